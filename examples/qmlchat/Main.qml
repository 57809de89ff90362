// A chat client for examples/chat's server: connect with a nickname, the room's
// messages and who is here, reconnecting with a growing delay when the
// connection is lost.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import WsKit

ApplicationWindow {
    id: window

    // Set from the command line by main.cpp.
    property string serverUrl: "ws://127.0.0.1:8080/ws"
    property string nickname: ""

    property string myName: ""  // as the room knows us (a taken name gets a number)
    property var members: []

    width: 720
    height: 480
    visible: true
    title: qsTr("WsKit chat")

    function join() {
        if (nameField.text.trim() === "")
            return
        socket.url = urlField.text + "?name=" + encodeURIComponent(nameField.text.trim())
        socket.active = true
    }

    function say(text) {
        if (text === "" || socket.status !== WebSocket.Open)
            return false
        return socket.sendTextMessage(text) > 0
    }

    WebSocket {
        id: socket

        reconnect: true
        keepAliveInterval: 30000

        onTextMessageReceived: (message) => {
            const event = JSON.parse(message)
            if (event.type === "welcome") {
                window.myName = event.name
            } else if (event.type === "members") {
                window.members = event.names
            } else if (event.type === "message") {
                messages.append({ from: event.from, text: event.text })
                messageList.positionViewAtEnd()
            }
        }
        onStatusChanged: {
            if (socket.status !== WebSocket.Open)
                window.members = []
        }
        onReconnectScheduled: (attempt, delay) => {
            statusLabel.reconnectIn = Math.round(delay / 1000)
        }
    }

    ListModel { id: messages }

    header: ToolBar {
        RowLayout {
            anchors.fill: parent
            anchors.margins: 4
            TextField {
                id: urlField
                text: window.serverUrl
                enabled: !socket.active
                Layout.fillWidth: true
            }
            TextField {
                id: nameField
                objectName: "nameField"
                text: window.nickname
                placeholderText: qsTr("Your name")
                enabled: !socket.active
                onAccepted: window.join()
            }
            Button {
                objectName: "connectButton"
                text: socket.active ? qsTr("Leave") : qsTr("Join")
                onClicked: socket.active ? socket.active = false : window.join()
            }
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        ListView {
            id: messageList
            objectName: "messages"
            model: messages
            clip: true
            Layout.fillWidth: true
            Layout.fillHeight: true
            delegate: RowLayout {
                width: ListView.view.width
                Label {
                    text: model.from
                    font.bold: true
                    textFormat: Text.PlainText // what people type is not markup
                    Layout.alignment: Qt.AlignTop
                    Layout.leftMargin: 4
                }
                Label {
                    text: model.text
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    Layout.fillWidth: true
                }
            }
        }

        ListView {
            objectName: "members"
            model: window.members
            clip: true
            Layout.preferredWidth: 160
            Layout.fillHeight: true
            header: Label { text: qsTr("Here now"); font.bold: true; padding: 4 }
            delegate: Label {
                padding: 4
                textFormat: Text.PlainText
                text: modelData === window.myName ? modelData + qsTr(" (you)") : modelData
            }
        }
    }

    footer: ColumnLayout {
        spacing: 0
        RowLayout {
            Layout.margins: 4
            TextField {
                id: messageField
                objectName: "messageField"
                placeholderText: qsTr("Say something")
                enabled: socket.status === WebSocket.Open
                Layout.fillWidth: true
                onAccepted: if (window.say(text)) clear()
            }
            Button {
                text: qsTr("Send")
                enabled: messageField.enabled
                onClicked: messageField.accepted()
            }
        }
        Label {
            id: statusLabel
            objectName: "statusLabel"
            property int reconnectIn: 0
            Layout.margins: 4
            color: socket.status === WebSocket.Open ? "green" : "firebrick"
            text: {
                switch (socket.status) {
                case WebSocket.Connecting: return qsTr("connecting…")
                case WebSocket.Open: return qsTr("connected as %1").arg(window.myName)
                case WebSocket.Closing: return qsTr("closing…")
                default:
                    if (!socket.active)
                        return qsTr("not connected")
                    return qsTr("closed (%1%2)%3").arg(socket.closeCode)
                        .arg(socket.closeReason ? ": " + socket.closeReason : "")
                        .arg(socket.errorString ? " " + socket.errorString : "")
                        + qsTr("; reconnecting in %1 s").arg(reconnectIn)
                }
            }
        }
    }

    Component.onCompleted: if (nickname !== "") join()
}
