#pragma once
// A program a test starts and must stop, whatever happens: it runs in a process
// group of its own, which is killed (by its id) when the test is done with it.

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QStringList>
#include <QtTest/QTest>

#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace TestSupport {

// A child process, in a process group of its own with everything it starts
// (browsers start many), that is killed when it outlives its time or the test.
class ChildProcess
{
public:
    ChildProcess(const QString &program, const QStringList &arguments, const QProcessEnvironment &environment = {})
    {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        if (!environment.isEmpty())
            m_process.setProcessEnvironment(environment);
        m_process.setChildProcessModifier([] { ::setpgid(0, 0); });
        m_process.start(program, arguments);
        m_group = pid_t(m_process.processId());
    }
    ~ChildProcess() { killGroup(); }
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    bool started() { return m_process.waitForStarted(10000); }
    // Whether it is still running (it did not exit or crash).
    bool isRunning() const { return m_process.state() == QProcess::Running; }

    // Runs the event loop (our server lives in this thread) until the peer exits
    // or timeoutMs pass; true when it exited normally with code 0.
    bool finish(int timeoutMs)
    {
        const bool ended = QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, timeoutMs);
        m_output += m_process.readAll();
        if (!ended) {
            m_output += "\n(killed after " + QByteArray::number(timeoutMs) + " ms)";
            killGroup();
            return false;
        }
        return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
    }

    // Waits for a line starting with prefix and returns its rest (empty on timeout).
    QByteArray waitForLine(const QByteArray &prefix, int timeoutMs)
    {
        QByteArray found;
        const bool ended = QTest::qWaitFor([&] {
            m_output += m_process.readAll();
            for (const QByteArray &line : m_output.split('\n')) {
                if (line.startsWith(prefix)) {
                    found = line.mid(prefix.size()).trimmed();
                    return true;
                }
            }
            return m_process.state() == QProcess::NotRunning;
        }, timeoutMs);
        Q_UNUSED(ended) // found stays empty
        return found;
    }

    QByteArray output()
    {
        m_output += m_process.readAll();
        return m_output;
    }

private:
    // Kills the group and waits (up to 5 s) until none of it is left.
    void killGroup()
    {
        if (m_group <= 0)
            return;
        ::kill(-m_group, SIGKILL);
        m_process.waitForFinished(5000);
        const bool gone = QTest::qWaitFor([this] { return ::kill(-m_group, 0) != 0 && errno == ESRCH; }, 5000);
        if (!gone)
            qWarning("process group %d outlived SIGKILL", int(m_group));
        m_group = 0;
    }

    QProcess m_process;
    QByteArray m_output;
    pid_t m_group = 0;
};

} // namespace TestSupport
