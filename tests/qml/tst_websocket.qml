// WebSocket against WebSocketServer, both from WsKit, over loopback sockets: messages,
// status, closing, failures, reconnecting, and what QtWebSockets' types lack.
import QtQuick
import QtTest
import WsKit

TestCase {
    id: testCase
    name: "WebSocket"

    readonly property int timeout: 10000

    // A server that echoes every message and records its clients.
    Component {
        id: echoServerComponent
        WebSocketServer {
            property var accepted: []
            property var closes: []
            listen: true
            onClientConnected: (webSocket) => {
                accepted.push(webSocket)
                webSocket.textMessageReceived.connect(message => webSocket.sendTextMessage(message))
                webSocket.binaryMessageReceived.connect(message => webSocket.sendBinaryMessage(message))
                webSocket.closed.connect((code, reason) => closes.push([code, reason]))
            }
        }
    }

    // A client that records what it sees from creation on.
    Component {
        id: socketComponent
        WebSocket {
            property var statuses: []
            property var texts: []
            property var binaries: []
            property var closes: []
            property var pongs: []
            property var attempts: []
            onStatusChanged: function() { statuses.push(status) }
            onTextMessageReceived: (message) => texts.push(message)
            onBinaryMessageReceived: (message) => binaries.push(message)
            onClosed: (code, reason) => closes.push([code, reason])
            onPong: (elapsedTime, payload) => pongs.push([elapsedTime, payload])
            onReconnectScheduled: (attempt, delay) => attempts.push([attempt, delay])
        }
    }

    function makeServer(properties) {
        const server = createTemporaryObject(echoServerComponent, testCase, properties || {})
        verify(server.listening, server.errorString)
        return server
    }

    function makeSocket(properties) {
        return createTemporaryObject(socketComponent, testCase, properties || {})
    }

    function openSocket(server, properties) {
        const socket = makeSocket(Object.assign({ url: server.url, active: true }, properties || {}))
        tryCompare(socket, "status", WebSocket.Open, timeout, socket.errorString)
        return socket
    }

    function utf8Length(text) {
        let bytes = 0
        for (const character of text) {
            const code = character.codePointAt(0)
            bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
        }
        return bytes
    }

    function bytesOf(buffer) {
        return Array.from(new Uint8Array(buffer))
    }

    function test_textAndUnicode() {
        const server = makeServer()
        const socket = openSocket(server)
        const messages = ["hello", "héllo wörld", "日本語のテキスト", "emoji 😀🎉 and 𝄞", "", "x".repeat(100000)]
        for (const message of messages)
            compare(socket.sendTextMessage(message), utf8Length(message))
        tryCompare(socket.texts, "length", messages.length, timeout)
        for (let i = 0; i < messages.length; ++i)
            compare(socket.texts[i], messages[i])
        compare(socket.binaries.length, 0)
    }

    function test_binaryByteByByte() {
        const server = makeServer()
        const socket = openSocket(server)
        const everyByte = new Uint8Array(256)
        for (let i = 0; i < 256; ++i)
            everyByte[i] = i
        const pattern = new Uint8Array(70000)
        for (let i = 0; i < pattern.length; ++i)
            pattern[i] = (i * 31 + 7) & 0xff
        compare(socket.sendBinaryMessage(everyByte.buffer), 256)
        compare(socket.sendBinaryMessage(pattern.buffer), 70000)
        compare(socket.sendBinaryMessage(new ArrayBuffer(0)), 0)
        tryCompare(socket.binaries, "length", 3, timeout)
        verify(socket.binaries[0] instanceof ArrayBuffer)
        compare(bytesOf(socket.binaries[0]), Array.from(everyByte))
        compare(bytesOf(socket.binaries[1]), Array.from(pattern))
        compare(socket.binaries[2].byteLength, 0)
        compare(socket.texts.length, 0)
    }

    function test_statusTransitions() {
        const server = makeServer()
        const socket = makeSocket({ url: server.url })
        compare(socket.status, WebSocket.Closed)
        compare(socket.active, false)
        compare(socket.errorString, "")
        socket.active = true
        compare(socket.status, WebSocket.Connecting)
        tryCompare(socket, "status", WebSocket.Open, timeout)
        compare(socket.statuses, [WebSocket.Connecting, WebSocket.Open])
        socket.active = false
        compare(socket.active, false)
        compare(socket.status, WebSocket.Closing)
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        compare(socket.statuses, [WebSocket.Connecting, WebSocket.Open, WebSocket.Closing, WebSocket.Closed])
        compare(socket.errorString, "")
        // The same object opens again.
        socket.active = true
        tryCompare(socket, "status", WebSocket.Open, timeout)
        compare(server.accepted.length, 2)
        compare(socket.sendTextMessage("again"), 5)
        tryCompare(socket.texts, "length", 1, timeout)
    }

    function test_activeFalseClosesCleanly() {
        const server = makeServer()
        const socket = openSocket(server)
        socket.active = false
        tryCompare(server.closes, "length", 1, timeout)
        compare(server.closes[0][0], 1000)
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        compare(socket.closeCode, 1000)
        compare(socket.errorString, "")
        tryCompare(server.clients, "length", 0, timeout)
    }

    function test_closeCodeAndReason() {
        const server = makeServer()
        const socket = openSocket(server)
        verify(socket.close(4001, "client says bye ✓"))
        tryCompare(server.closes, "length", 1, timeout)
        compare(server.closes[0], [4001, "client says bye ✓"])
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        compare(socket.closeCode, 4001)
        compare(socket.closes.length, 1)
        compare(socket.active, false)

        // And the other way: the server's side closes.
        const second = openSocket(server)
        const accepted = server.accepted[server.accepted.length - 1]
        verify(accepted.close(4002, "server says bye"))
        tryCompare(second, "status", WebSocket.Closed, timeout)
        compare(second.closes, [[4002, "server says bye"]])
        compare(second.closeCode, 4002)
        compare(second.closeReason, "server says bye")
        // The server ended it, so the client still wants to be connected.
        compare(second.active, true)

        // A code that may not be sent is refused and changes nothing.
        const third = openSocket(server)
        verify(!third.close(1004))
        verify(!third.close(70000))
        compare(third.status, WebSocket.Open)
    }

    function test_refusedPort() {
        const gone = makeServer()
        const port = gone.port
        gone.listen = false
        verify(!gone.listening)
        const socket = makeSocket({ url: "ws://127.0.0.1:" + port + "/", active: true })
        tryCompare(socket, "status", WebSocket.Error, timeout)
        verify(socket.errorString.indexOf("refused") >= 0, socket.errorString)
        compare(socket.statuses, [WebSocket.Connecting, WebSocket.Error])
        compare(socket.active, true)
        tryCompare(socket.closes, "length", 1, timeout)
        compare(socket.closes[0][0], 1006)
        compare(socket.sendTextMessage("nobody"), 0)
    }

    function test_badUrl_data() {
        return [
            { tag: "http scheme", url: "http://127.0.0.1:1/", text: "scheme" },
            { tag: "no host", url: "ws://", text: "host" },
            { tag: "fragment", url: "ws://127.0.0.1:1/#top", text: "fragment" },
        ]
    }

    function test_badUrl(data) {
        const socket = makeSocket({ url: data.url, active: true })
        tryCompare(socket, "status", WebSocket.Error, timeout)
        verify(socket.errorString.indexOf(data.text) >= 0, socket.errorString)
    }

    function test_acceptFalseRefuses() {
        const server = makeServer()
        const before = openSocket(server)
        server.accept = false
        const refused = makeSocket({ url: server.url, active: true })
        tryCompare(refused, "status", WebSocket.Error, timeout)
        verify(refused.errorString.indexOf("503") >= 0, refused.errorString)
        compare(server.accepted.length, 1)
        // The connection open before goes on.
        compare(before.sendTextMessage("still here"), 10)
        tryCompare(before.texts, "length", 1, timeout)
        server.accept = true
        refused.open()
        tryCompare(refused, "status", WebSocket.Open, timeout)
        compare(refused.errorString, "")
    }

    function test_reconnectAfterServerGoesAwayAndComesBack() {
        const server = makeServer()
        const socket = openSocket(server, { reconnect: true, reconnectMinDelay: 50, reconnectMaxDelay: 200 })
        const port = server.port
        compare(socket.sendTextMessage("before"), 6)
        tryCompare(socket.texts, "length", 1, timeout)

        // The server goes away: it stops listening and closes its client.
        server.listen = false
        server.accepted[0].close(1001, "going away")
        tryCompare(socket.closes, "length", 1, timeout)
        compare(socket.closes[0], [1001, "going away"])
        tryVerify(() => socket.attempts.length >= 3, timeout)
        compare(socket.attempts.map(a => a[0]).slice(0, 3), [1, 2, 3])
        for (const attempt of socket.attempts)
            verify(attempt[1] >= 50 && attempt[1] <= 200, "delay " + attempt[1])
        verify(socket.statuses.indexOf(WebSocket.Error) >= 0)
        compare(socket.active, true)

        // It comes back on the same port: the client opens again by itself.
        compare(server.port, port)
        server.listen = true
        verify(server.listening, server.errorString)
        tryCompare(socket, "status", WebSocket.Open, timeout)
        compare(socket.errorString, "")
        compare(socket.sendTextMessage("after"), 5)
        tryCompare(socket.texts, "length", 2, timeout)
        compare(socket.texts, ["before", "after"])

        // Closed by the user: no more attempts.
        const attempts = socket.attempts.length
        socket.active = false
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        wait(400)
        compare(socket.attempts.length, attempts)
        compare(server.accepted.length, 2)
    }

    function test_pingReportsRoundTrip() {
        const server = makeServer()
        const socket = openSocket(server)
        const payload = new Uint8Array([1, 2, 3, 250])
        verify(socket.ping(payload.buffer))
        verify(socket.ping())
        tryCompare(socket.pongs, "length", 2, timeout)
        verify(socket.pongs[0][0] >= 0)
        compare(bytesOf(socket.pongs[0][1]), [1, 2, 3, 250])
        compare(socket.pongs[1][1].byteLength, 0)
        // Control frames carry at most 125 bytes.
        verify(!socket.ping(new ArrayBuffer(126)))
        compare(socket.status, WebSocket.Open)
    }

    function test_keepAlive() {
        const server = makeServer()
        const socket = openSocket(server, { keepAliveInterval: 50 })
        compare(socket.keepAliveInterval, 50)
        // The keep-alive pings are answered without ping() being called.
        tryVerify(() => socket.pongs.length >= 2, timeout)
        socket.keepAliveInterval = 0
        compare(socket.status, WebSocket.Open)
    }

    function test_keepAliveDefaults() {
        // A server pings its clients by default, as every WsKit server; a client
        // does not.
        const server = makeServer()
        compare(server.keepAliveInterval, 30000)
        compare(makeSocket().keepAliveInterval, 0)
    }

    function test_bufferedAmount() {
        const server = makeServer()
        // Uncompressed, so that the bytes queued are the bytes sent.
        const socket = openSocket(server, { compressionEnabled: false })
        compare(socket.bufferedAmount, 0)
        let changes = 0
        socket.bufferedAmountChanged.connect(() => ++changes)
        const size = 12 * 1024 * 1024
        compare(socket.sendBinaryMessage(new ArrayBuffer(size)), size)
        // More than loopback's socket buffers take in one go waits in ours.
        verify(socket.bufferedAmount > 0)
        tryCompare(socket, "bufferedAmount", 0, timeout)
        verify(changes >= 2)
        tryCompare(socket.binaries, "length", 1, timeout)
        compare(socket.binaries[0].byteLength, size)
    }

    function test_compression() {
        const server = makeServer()
        const socket = openSocket(server)
        compare(socket.compressionEnabled, true)
        compare(socket.compressionNegotiated, true)
        compare(server.accepted[0].compressionNegotiated, true)

        const plain = openSocket(server, { compressionEnabled: false })
        compare(plain.compressionNegotiated, false)

        const plainServer = makeServer({ compressionEnabled: false })
        const declined = openSocket(plainServer)
        compare(declined.compressionNegotiated, false)
        compare(declined.sendTextMessage("a".repeat(1000)), 1000)
        tryCompare(declined.texts, "length", 1, timeout)
        compare(declined.texts[0], "a".repeat(1000))
    }

    function test_requestHeadersAndSubprotocols() {
        const server = makeServer({ subprotocols: ["chat.v2", "chat.v1"] })
        const socket = openSocket(server, {
            requestHeaders: { "Authorization": "Bearer token", "X-Client": "qml" },
            requestedSubprotocols: ["chat.v1", "chat.v2"],
        })
        compare(socket.negotiatedSubprotocol, "chat.v2")
        compare(socket.requestHeaders["X-Client"], "qml")
        const accepted = server.accepted[0]
        compare(accepted.requestHeaders["Authorization"], "Bearer token")
        compare(accepted.requestHeaders["X-Client"], "qml")
        compare(accepted.requestedSubprotocols, ["chat.v1", "chat.v2"])
        compare(accepted.negotiatedSubprotocol, "chat.v2")
        verify(accepted.url.toString().startsWith("ws://127.0.0.1:"), accepted.url)

        const other = openSocket(server, { requestedSubprotocols: ["other"] })
        compare(other.negotiatedSubprotocol, "")
        // Header fields the handshake sets itself cannot be given.
        const bad = makeSocket({ url: server.url, requestHeaders: { "Upgrade": "h2c" }, active: true })
        tryCompare(bad, "status", WebSocket.Error, timeout)
        verify(bad.errorString.indexOf("Upgrade") >= 0, bad.errorString)
    }

    function test_maxMessageSize() {
        // The server's limit: a bigger message fails the connection with 1009.
        const limits = makeServer()
        limits.maxMessageSize = -5
        compare(limits.maxMessageSize, 0) // no limit
        limits.maxMessageSize = NaN
        compare(limits.maxMessageSize, 0)
        limits.maxMessageSize = 1e300
        compare(limits.maxMessageSize, 9223372036854775807)

        const server = makeServer({ maxMessageSize: 100 })
        compare(server.maxMessageSize, 100)
        const socket = openSocket(server)
        compare(server.accepted[0].maxMessageSize, 100)
        compare(socket.sendTextMessage("a".repeat(100)), 100)
        tryCompare(socket.texts, "length", 1, timeout)
        compare(socket.sendTextMessage("b".repeat(101)), 101)
        tryCompare(socket, "status", WebSocket.Closed, timeout)
        compare(socket.closeCode, 1009)
        tryCompare(server.closes, "length", 1, timeout)
        compare(server.closes[0][0], 1009)

        // The client's limit: the echo of a bigger message fails it.
        const big = makeServer()
        const small = openSocket(big, { maxMessageSize: 10 })
        compare(small.sendTextMessage("0123456789A"), 11)
        tryCompare(small, "status", WebSocket.Error, timeout)
        tryCompare(small, "closeCode", 1009, timeout)
        verify(small.errorString !== "")
    }

    function test_allowedOrigins() {
        const server = makeServer({ allowedOrigins: ["https://good.example"] })
        const good = openSocket(server, { requestHeaders: { "Origin": "https://good.example" } })
        const noOrigin = openSocket(server)
        const evil = makeSocket({ url: server.url, requestHeaders: { "Origin": "https://evil.example" }, active: true })
        tryCompare(evil, "status", WebSocket.Error, timeout)
        verify(evil.errorString.indexOf("403") >= 0, evil.errorString)
        compare(server.accepted.length, 2)

        server.allowedOrigins = ["*"]
        evil.open()
        tryCompare(evil, "status", WebSocket.Open, timeout)

        // The default: a browser's Origin must match the Host it asks.
        server.allowedOrigins = []
        const crossSite = makeSocket({ url: server.url, requestHeaders: { "Origin": "https://evil.example" }, active: true })
        tryCompare(crossSite, "status", WebSocket.Error, timeout)
        const sameSite = openSocket(server, { requestHeaders: { "Origin": "http://127.0.0.1:" + server.port } })
        compare(good.status, WebSocket.Open)
        compare(noOrigin.status, WebSocket.Open)
    }

    function test_clientsList() {
        const server = makeServer()
        let connected = 0
        let disconnected = []
        server.clientConnected.connect(() => ++connected)
        server.clientDisconnected.connect(webSocket => disconnected.push(webSocket.closeCode))
        const first = openSocket(server)
        const second = openSocket(server)
        tryCompare(server.clients, "length", 2, timeout)
        compare(connected, 2)
        compare(server.clients[0].status, WebSocket.Open)
        first.close(4003, "")
        tryCompare(server.clients, "length", 1, timeout)
        compare(disconnected, [4003])
        compare(server.clients[0].status, WebSocket.Open)
        // The remaining client is the second one: it still echoes.
        compare(second.sendTextMessage("two"), 3)
        tryCompare(second.texts, "length", 1, timeout)
        second.active = false
        tryCompare(server.clients, "length", 0, timeout)
    }

    function test_serverProperties() {
        const server = createTemporaryObject(echoServerComponent, testCase, { listen: false })
        compare(server.host, "127.0.0.1")
        compare(server.port, 0)
        compare(server.accept, true)
        compare(server.name, "")
        compare(server.listening, false)
        server.name = "WsKit test"
        server.listen = true
        verify(server.listening, server.errorString)
        verify(server.port > 0)
        compare(server.url.toString(), "ws://127.0.0.1:" + server.port)
        const socket = openSocket(server)
        // Changing the port while listening listens again there.
        const taken = makeServer()
        server.port = taken.port
        verify(!server.listening)
        verify(server.errorString !== "", "listening twice on one port")
        server.port = 0
        verify(server.listening, server.errorString)
        compare(server.errorString, "")
        verify(server.port !== taken.port)
        // A host that is no address.
        server.host = "not an address"
        verify(!server.listening)
        verify(server.errorString.indexOf("not an address") >= 0, server.errorString)
        server.host = "localhost"
        verify(server.listening, server.errorString)
        compare(server.host, "127.0.0.1")
        // The client of before is still connected.
        compare(socket.status, WebSocket.Open)
    }
}
