// WsKit's QML WebSocket against WsKit's C++ Server (the context property cppServer).
import QtQuick
import QtTest
import WsKit

TestCase {
    id: testCase
    name: "CppServer"

    readonly property int timeout: 10000

    Component {
        id: socketComponent
        WebSocket {
            property var texts: []
            property var binaries: []
            property var closes: []
            property var attempts: []
            onTextMessageReceived: (message) => texts.push(message)
            onBinaryMessageReceived: (message) => binaries.push(message)
            onClosed: (code, reason) => closes.push([code, reason])
            onReconnectScheduled: (attempt, delay) => attempts.push(attempt)
        }
    }

    function openSocket(properties) {
        const socket = createTemporaryObject(socketComponent, testCase,
                                             Object.assign({ url: cppServer.url, active: true }, properties || {}))
        tryCompare(socket, "status", WebSocket.Open, timeout, socket.errorString)
        return socket
    }

    function test_echoAndSubprotocol() {
        const socket = openSocket({ url: cppServer.url + "/chat?room=2", requestedSubprotocols: ["text"] })
        compare(cppServer.lastRequestTarget, "/chat?room=2")
        compare(socket.negotiatedSubprotocol, "text")
        compare(socket.sendTextMessage("grüß dich 👋"), 16)
        tryCompare(socket.texts, "length", 1, timeout)
        compare(socket.texts[0], "cpp: grüß dich 👋")
        const bytes = new Uint8Array([9, 8, 7, 0, 255])
        socket.sendBinaryMessage(bytes.buffer)
        tryCompare(socket.binaries, "length", 1, timeout)
        compare(Array.from(new Uint8Array(socket.binaries[0])), [9, 8, 7, 0, 255])
        socket.active = false
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        tryCompare(cppServer, "connectionCount", 0, timeout)
    }

    function test_serverClosesWithCodeAndReason() {
        const socket = openSocket()
        cppServer.closeAll(4200, "maintenance")
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        compare(socket.closes, [[4200, "maintenance"]])
        compare(socket.closeCode, 4200)
        compare(socket.closeReason, "maintenance")
    }

    function test_reconnectWhenTheServerComesBack() {
        const socket = openSocket({ reconnect: true, reconnectMinDelay: 50, reconnectMaxDelay: 100 })
        cppServer.shutdown()
        tryCompare(socket.closes, "length", 1, timeout)
        compare(socket.closes[0][0], 1001)
        tryVerify(() => socket.attempts.length >= 2, timeout)
        verify(socket.status !== WebSocket.Open)
        verify(cppServer.start())
        tryCompare(socket, "status", WebSocket.Open, timeout)
        compare(socket.sendTextMessage("back"), 4)
        tryCompare(socket.texts, "length", 1, timeout)
        compare(socket.texts[0], "cpp: back")
    }
}
