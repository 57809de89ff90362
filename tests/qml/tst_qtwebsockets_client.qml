// WsKit's WebSocketServer with QtWebSockets' WebSocket as the client: an
// implementation we did not write, over loopback sockets.
import QtQuick
import QtTest
import QtWebSockets as QtWS
import WsKit

TestCase {
    id: testCase
    name: "QtWebSocketsClient"

    readonly property int timeout: 10000

    WebSocketServer {
        id: server
        property var accepted: []
        property var closes: [] // per accepted client
        listen: true
        subprotocols: ["chat.v2", "chat.v1"]
        onClientConnected: (webSocket) => {
            accepted.push(webSocket)
            webSocket.textMessageReceived.connect(message => webSocket.sendTextMessage("echo " + message))
            webSocket.binaryMessageReceived.connect(message => webSocket.sendBinaryMessage(message))
            // Each records its own end: a socket of an earlier test may still be closing.
            const closes = []
            server.closes.push(closes)
            webSocket.closed.connect((code, reason) => closes.push([code, reason]))
        }
    }

    Component {
        id: qtSocketComponent
        QtWS.WebSocket {
            property var statuses: []
            property var texts: []
            property var binaries: []
            onStatusChanged: function() { statuses.push(status) }
            onTextMessageReceived: (message) => texts.push(message)
            onBinaryMessageReceived: (message) => binaries.push(message)
        }
    }

    function init() {
        server.accepted = []
        server.closes = []
        server.accept = true
    }

    function openQtSocket(properties) {
        const socket = createTemporaryObject(qtSocketComponent, testCase,
                                             Object.assign({ url: server.url, active: true }, properties || {}))
        tryCompare(socket, "status", QtWS.WebSocket.Open, timeout, socket.errorString)
        return socket
    }

    function test_textBinaryAndUnicode() {
        const socket = openQtSocket()
        const texts = ["plain", "grüße", "中文", "😀 outside the BMP", ""]
        for (const text of texts)
            socket.sendTextMessage(text)
        tryCompare(socket.texts, "length", texts.length, timeout)
        compare(socket.texts, texts.map(text => "echo " + text))

        const bytes = new Uint8Array(300)
        for (let i = 0; i < bytes.length; ++i)
            bytes[i] = (i * 7) & 0xff
        socket.sendBinaryMessage(bytes.buffer)
        tryCompare(socket.binaries, "length", 1, timeout)
        compare(Array.from(new Uint8Array(socket.binaries[0])), Array.from(bytes))
    }

    function test_serverSideOfTheConnection() {
        // No subprotocol may be agreed here: QtWebSockets 6.4's QML WebSocket frees
        // the agreed name twice when its engine goes away (with any server).
        const socket = openQtSocket({ url: server.url + "/room?id=7", requestedSubprotocols: ["other.v1", "other.v2"] })
        compare(socket.negotiatedSubprotocol, "")
        tryCompare(server.accepted, "length", 1, timeout)
        const accepted = server.accepted[0]
        compare(accepted.status, WebSocket.Open)
        compare(accepted.active, true)
        compare(accepted.url.toString(), server.url + "/room?id=7")
        compare(accepted.requestedSubprotocols, ["other.v1", "other.v2"])
        compare(accepted.negotiatedSubprotocol, "")
        compare(server.clients.length, 1)
        compare(accepted.sendTextMessage("pushed"), 6)
        tryCompare(socket.texts, "length", 1, timeout)
        compare(socket.texts[0], "pushed")
    }

    function test_serverCloses() {
        const socket = openQtSocket()
        tryCompare(server.accepted, "length", 1, timeout)
        const accepted = server.accepted[0]
        accepted.active = false
        tryCompare(socket, "status", QtWS.WebSocket.Closed, timeout)
        tryCompare(server.closes[0], "length", 1, timeout)
        compare(server.closes[0][0][0], 1000)
        compare(accepted.status, WebSocket.Closed)
        tryCompare(server.clients, "length", 0, timeout)
    }

    function test_clientCloses() {
        const socket = openQtSocket()
        tryCompare(server.accepted, "length", 1, timeout)
        const accepted = server.accepted[0]
        socket.active = false
        tryCompare(server.closes[0], "length", 1, timeout)
        compare(server.closes[0][0][0], 1000)
        tryCompare(socket, "status", QtWS.WebSocket.Closed, timeout)
        compare(socket.statuses.slice(-2), [QtWS.WebSocket.Closing, QtWS.WebSocket.Closed])
    }

    function test_acceptFalseRefuses() {
        const open = openQtSocket()
        server.accept = false
        const refused = createTemporaryObject(qtSocketComponent, testCase, { url: server.url, active: true })
        // QtWebSockets reports the refusal (503) as Error, then moves on to Closed.
        tryVerify(() => refused.statuses.indexOf(QtWS.WebSocket.Error) >= 0, timeout)
        tryCompare(refused, "status", QtWS.WebSocket.Closed, timeout)
        verify(refused.statuses.indexOf(QtWS.WebSocket.Open) < 0)
        compare(server.accepted.length, 1)
        open.sendTextMessage("unaffected")
        tryCompare(open.texts, "length", 1, timeout)
    }
}
