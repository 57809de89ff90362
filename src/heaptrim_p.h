#pragma once
// Gives freed heap memory back to the system after many connections closed.
//
// A connection's memory comes from the process heap. When thousands close, their
// memory is free but stays resident: glibc returns heap memory to the system only
// from the top of the heap, and a few long-lived allocations made while the
// connections were open sit above it (the event loop's poll array, grown to one
// entry per descriptor, for one). So once the Server's connection count has
// fallen far below its peak, and stayed there a moment, it asks glibc to release
// every free page (malloc_trim). This is the last resort, used because the
// allocations that pin the heap are GLib's and Qt's, not ours; elsewhere it does
// nothing.

#include <QtCore/QtGlobal>

QT_BEGIN_NAMESPACE
class QObject;
class QTimer;
QT_END_NAMESPACE

namespace WsKit {

class HeapTrimmer
{
public:
    // Connections that must have closed since the peak.
    static constexpr int MinimumClosed = 1000;
    // How long the count must stay low before trimming (ms).
    static constexpr int Delay = 2000;

    // Its timer is a child of owner.
    explicit HeapTrimmer(QObject *owner);

    // Call with the connection count whenever it changes.
    void connectionCountChanged(int count);
    // Trims performed so far.
    int trims() const { return m_trims; }

private:
    void trim();

    QObject *m_owner;
    QTimer *m_timer = nullptr;
    int m_peak = 0;
    int m_count = 0;
    int m_trims = 0;
};

} // namespace WsKit
