#include "flushqueue_p.h"

#include <QtCore/QAbstractEventDispatcher>
#include <QtCore/QThread>

#include <algorithm>
#include <vector>

namespace WsKit {

namespace {

struct ThreadQueue {
    std::vector<FlushQueue::Entry *> entries;
    bool posted = false;
};

ThreadQueue &threadQueue()
{
    static thread_local ThreadQueue queue;
    return queue;
}

} // namespace

void FlushQueue::add(Entry *entry)
{
    if (entry->m_queued)
        return;
    ThreadQueue &queue = threadQueue();
    if (!queue.posted) {
        QAbstractEventDispatcher *dispatcher = QAbstractEventDispatcher::instance(QThread::currentThread());
        if (!dispatcher) {
            entry->flushQueued();
            return;
        }
        queue.posted = true;
        QMetaObject::invokeMethod(dispatcher, &FlushQueue::flushAll, Qt::QueuedConnection);
    }
    entry->m_queued = true;
    queue.entries.push_back(entry);
}

void FlushQueue::remove(Entry *entry)
{
    if (!entry->m_queued)
        return;
    entry->m_queued = false;
    std::vector<Entry *> &entries = threadQueue().entries;
    const auto found = std::find(entries.begin(), entries.end(), entry);
    if (found != entries.end())
        entries.erase(found);
}

void FlushQueue::flushAll()
{
    ThreadQueue &queue = threadQueue();
    queue.posted = false;
    // One at a time from the live list: a flush may emit, and a slot may delete
    // other queued entries (they remove themselves) or queue more.
    while (!queue.entries.empty()) {
        Entry *entry = queue.entries.back();
        queue.entries.pop_back();
        entry->m_queued = false;
        entry->flushQueued();
    }
}

} // namespace WsKit
