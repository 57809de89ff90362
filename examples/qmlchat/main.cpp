// Qt Quick chat client for the chat example's server, written with `import WsKit`.
//
//   qmlchat [--url ws://127.0.0.1:8080/ws] [--name NAME]
//   with --name it joins at once; otherwise type a name and press Join

#include <QtCore/QCommandLineParser>
#include <QtGui/QGuiApplication>
#include <QtQml/QQmlApplicationEngine>

int main(int argc, char *argv[])
{
    QGuiApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Chat client for the chat example"));
    parser.addHelpOption();
    const QCommandLineOption urlOption(QStringLiteral("url"), QStringLiteral("The chat room."), QStringLiteral("url"),
                                       QStringLiteral("ws://127.0.0.1:8080/ws"));
    const QCommandLineOption nameOption(QStringLiteral("name"), QStringLiteral("Join at once under this name."),
                                        QStringLiteral("name"));
    parser.addOptions({urlOption, nameOption});
    parser.process(app);

    QQmlApplicationEngine engine;
#ifdef WSKIT_QML_IMPORT_PATH
    // Built inside WsKit's tree: the WsKit module is in the build, not installed.
    engine.addImportPath(QStringLiteral(WSKIT_QML_IMPORT_PATH));
#endif
    engine.setInitialProperties({{QStringLiteral("serverUrl"), parser.value(urlOption)},
                                 {QStringLiteral("nickname"), parser.value(nameOption)}});
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app, [] { QCoreApplication::exit(1); },
                     Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/QmlChat/Main.qml")));
    return app.exec();
}
