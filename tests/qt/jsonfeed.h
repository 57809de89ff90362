#pragma once
// Compressible test messages: a JSON array of records, each a little different.

#include <QtCore/QByteArray>
#include <QtCore/QString>

inline QByteArray jsonFeed(int records)
{
    QByteArray feed = "[";
    for (int i = 0; i < records; ++i) {
        feed += QStringLiteral(R"(%1{"id":%2,"user":"user%3","score":%4,"tags":["billing","support"]})")
                    .arg(i ? QStringLiteral(",") : QString())
                    .arg(i)
                    .arg(i % 7)
                    .arg(i * 37 % 1000)
                    .toUtf8();
    }
    return feed + "]";
}
