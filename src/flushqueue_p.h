#pragma once
// Output gathered per event-loop turn. A connection that sends outside of
// handling its own input (a timer, another connection's message, a broadcast)
// does not write at once: it joins its thread's queue, and one posted call at
// the end of the turn writes each queued connection's output with one system
// call, however many messages it sent meanwhile.

namespace WsKit {

class FlushQueue
{
public:
    // What the queue flushes.
    class Entry
    {
    public:
        // Writes the output gathered so far. May emit.
        virtual void flushQueued() = 0;

    protected:
        virtual ~Entry() = default;

    private:
        friend class FlushQueue;
        bool m_queued = false;
    };

    // entry is flushed at the end of this turn of the current thread's event loop
    // (once, however often it is added). Without an event loop, at once.
    static void add(Entry *entry);
    // entry is going away or flushed already: it leaves the queue.
    static void remove(Entry *entry);

private:
    static void flushAll();
};

} // namespace WsKit
