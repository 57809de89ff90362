// A WebSocketServer and a WebSocket from the installed module, talking over loopback.
import WsKit

WebSocketServer {
    id: server
    listen: true
    onClientConnected: (webSocket) => {
        webSocket.textMessageReceived.connect(message => webSocket.sendTextMessage("echo: " + message))
    }

    property WebSocket client: WebSocket {
        url: server.url
        active: true
        onStatusChanged: {
            if (status === WebSocket.Open)
                sendTextMessage("hello from the package")
            else if (status === WebSocket.Error)
                Qt.exit(1)
        }
        onTextMessageReceived: (message) => {
            console.log(message)
            Qt.exit(message === "echo: hello from the package" ? 0 : 1)
        }
    }
}
