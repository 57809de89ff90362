// Loads each QML file given with the installed WsKit module and creates its root
// object: a file with an error, or one that warns while it is created, fails.
#include <QtCore/QCoreApplication>
#include <QtCore/QUrl>
#include <QtQml/QQmlComponent>
#include <QtQml/QQmlEngine>

#include <cstdio>
#include <memory>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    int failed = 0;
    for (const QString &file : app.arguments().mid(1)) {
        QQmlEngine engine;
        engine.addImportPath(QStringLiteral(WSKIT_QML_IMPORT_PATH));
        QList<QQmlError> warnings;
        QObject::connect(&engine, &QQmlEngine::warnings, &engine,
                         [&warnings](const QList<QQmlError> &more) { warnings += more; });
        QQmlComponent component(&engine, QUrl::fromLocalFile(file));
        const std::unique_ptr<QObject> root(component.create());
        if (!root || !warnings.isEmpty()) {
            std::fprintf(stderr, "%s: %s\n", qPrintable(file), qPrintable(component.errorString()));
            for (const QQmlError &warning : std::as_const(warnings))
                std::fprintf(stderr, "%s\n", qPrintable(warning.toString()));
            ++failed;
        }
    }
    return failed;
}
