// Written against QtWebSockets' QML API only. CTest runs it as it is, and again with
// its import line changed to WsKit: an application moving over changes that line
// and nothing else, so both runs must pass.
import QtQuick
import QtTest
import QtWebSockets

TestCase {
    id: testCase
    name: "Parity"

    readonly property int timeout: 10000

    WebSocketServer {
        id: server
        property var accepted: []
        listen: true
        onClientConnected: function(webSocket) {
            accepted.push(webSocket)
            webSocket.textMessageReceived.connect(function(message) {
                webSocket.sendTextMessage(message)
            })
            webSocket.binaryMessageReceived.connect(function(message) {
                webSocket.sendBinaryMessage(message)
            })
        }
    }

    // Where nothing listens any more.
    WebSocketServer {
        id: gone
        listen: true
    }

    Component {
        id: socketComponent
        WebSocket {
            property var statuses: []
            property var texts: []
            property var binaries: []
            onStatusChanged: function() { statuses.push(status) }
            onTextMessageReceived: function(message) { texts.push(message) }
            onBinaryMessageReceived: function(message) { binaries.push(message) }
        }
    }

    function init() {
        server.accepted = []
    }

    function makeSocket(properties) {
        return createTemporaryObject(socketComponent, testCase, properties)
    }

    function openSocket(url) {
        const socket = makeSocket({ url: url || server.url, active: true })
        tryCompare(socket, "status", WebSocket.Open, timeout, socket.errorString)
        return socket
    }

    function test_enumValues() {
        compare(WebSocket.Connecting, 0)
        compare(WebSocket.Open, 1)
        compare(WebSocket.Closing, 2)
        compare(WebSocket.Closed, 3)
        compare(WebSocket.Error, 4)
    }

    function test_initialValues() {
        const socket = makeSocket({})
        compare(socket.status, WebSocket.Closed)
        compare(socket.active, false)
        compare(socket.url.toString(), "")
        compare(socket.requestedSubprotocols, [])
        compare(socket.negotiatedSubprotocol, "")
        compare(server.host, "127.0.0.1")
        verify(server.port > 0)
        compare(server.url.toString(), "ws://127.0.0.1:" + server.port)
        compare(server.listen, true)
        compare(server.accept, true)
        compare(server.name, "")
    }

    function test_openSendAndReceive() {
        const socket = openSocket()
        compare(socket.statuses, [WebSocket.Connecting, WebSocket.Open])
        compare(socket.active, true)
        compare(socket.errorString, "")
        compare(socket.negotiatedSubprotocol, "")
        compare(socket.sendTextMessage("héllo ✓"), 10)
        compare(socket.sendBinaryMessage(new Uint8Array([0, 127, 128, 255]).buffer), 4)
        tryCompare(socket.texts, "length", 1, timeout)
        tryCompare(socket.binaries, "length", 1, timeout)
        compare(socket.texts[0], "héllo ✓")
        verify(socket.binaries[0] instanceof ArrayBuffer)
        compare(Array.from(new Uint8Array(socket.binaries[0])), [0, 127, 128, 255])
    }

    function test_serverSideSocket() {
        const socket = openSocket(server.url + "/path?q=1")
        tryCompare(server.accepted, "length", 1, timeout)
        const accepted = server.accepted[0]
        compare(accepted.status, WebSocket.Open)
        compare(accepted.active, true)
        compare(accepted.url.toString(), server.url + "/path?q=1")
        compare(accepted.sendTextMessage("from the server"), 15)
        tryCompare(socket.texts, "length", 1, timeout)
        compare(socket.texts[0], "from the server")
    }

    function test_clientCloses() {
        const socket = openSocket()
        tryCompare(server.accepted, "length", 1, timeout)
        const accepted = server.accepted[0]
        socket.active = false
        compare(socket.active, false)
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        compare(socket.statuses, [WebSocket.Connecting, WebSocket.Open, WebSocket.Closing, WebSocket.Closed])
        compare(socket.errorString, "")
        tryCompare(accepted, "status", WebSocket.Closed, timeout)
    }

    function test_serverCloses() {
        const socket = openSocket()
        tryCompare(server.accepted, "length", 1, timeout)
        server.accepted[0].active = false
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        compare(socket.statuses.slice(-2), [WebSocket.Closing, WebSocket.Closed])
        // The user did not close it: it still wants to be connected.
        compare(socket.active, true)
    }

    function test_reopen() {
        const socket = openSocket()
        socket.active = false
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        socket.active = true
        tryCompare(socket, "status", WebSocket.Open, timeout)
        socket.sendTextMessage("again")
        tryCompare(socket.texts, "length", 1, timeout)
        tryCompare(server.accepted, "length", 2, timeout)
    }

    function test_refusedPort() {
        gone.listen = false
        const socket = makeSocket({ url: "ws://127.0.0.1:" + gone.port, active: true })
        tryCompare(socket, "status", WebSocket.Error, timeout)
        verify(socket.errorString !== "")
        compare(socket.statuses[0], WebSocket.Connecting)
        compare(socket.active, true)
    }

    function test_badUrl() {
        const socket = makeSocket({ url: "foo://127.0.0.1/", active: true })
        tryCompare(socket, "status", WebSocket.Error, timeout)
        verify(socket.errorString !== "")
    }

    function test_sendWhenNotOpen() {
        const socket = makeSocket({ url: server.url })
        compare(socket.sendTextMessage("nobody listens"), 0)
        compare(socket.sendBinaryMessage(new ArrayBuffer(3)), 0)
    }
}
