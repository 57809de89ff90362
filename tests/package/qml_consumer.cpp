// Uses the installed QML module: loads qml_consumer.qml, where a WebSocket sends a
// message to a WebSocketServer that echoes it, and exits with the scene's verdict.
#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>

#include <cstdio>
#include <memory>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QQmlEngine engine;
    engine.addImportPath(QStringLiteral(WSKIT_QML_IMPORT_PATH));
    QObject::connect(&engine, &QQmlEngine::exit, &app, &QCoreApplication::exit, Qt::QueuedConnection);
    QQmlComponent component(&engine, QUrl::fromLocalFile(QStringLiteral(CONSUMER_QML)));
    const std::unique_ptr<QObject> scene(component.create());
    if (!scene) {
        std::fprintf(stderr, "%s\n", qPrintable(component.errorString()));
        return 1;
    }
    QTimer::singleShot(30000, &app, [] {
        std::fprintf(stderr, "no echo within 30 s\n");
        QCoreApplication::exit(2);
    });
    return app.exec();
}
