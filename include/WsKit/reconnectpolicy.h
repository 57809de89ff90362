#pragma once
// When a Client dials again after losing its connection: exponential back-off with
// jitter, as a value.

#include <WsKit/wskit_export.h>

#include <chrono>
#include <memory>

namespace WsKit {

/// When and how often a Client dials again after its connection was lost.
///
/// Off by default. When enabled, a Client that is still active (the user did not call
/// close()) dials again after every failed attempt and every lost connection. The waits
/// follow a doubling sequence from minDelay() up to maxDelay(); each is moved at random
/// by up to jitter() of itself, so that the many clients a restarting server dropped at
/// once do not all come back at the same instant. A connection that stayed open for at
/// least resetAfter() starts the sequence again at minDelay().
class WSKIT_EXPORT ReconnectPolicy
{
public:
    /// The first wait: one second.
    static constexpr std::chrono::milliseconds DefaultMinDelay{1000};
    /// The longest wait: thirty seconds.
    static constexpr std::chrono::milliseconds DefaultMaxDelay{30000};
    /// Each wait is moved at random by up to a quarter of itself: enough to spread a
    /// crowd of clients, little enough to keep the schedule predictable.
    static constexpr double DefaultJitter = 0.25;
    /// A connection open for ten seconds counts as stable and resets the sequence; a
    /// server that accepts and drops at once therefore still sees growing waits.
    static constexpr std::chrono::milliseconds DefaultResetAfter{10000};

    /// A disabled policy with the default delays.
    ReconnectPolicy();
    /// Copies the policy.
    ReconnectPolicy(const ReconnectPolicy &other);
    /// Moves the policy.
    ReconnectPolicy(ReconnectPolicy &&other) noexcept;
    /// Copies the policy.
    ReconnectPolicy &operator=(const ReconnectPolicy &other);
    /// Moves the policy.
    ReconnectPolicy &operator=(ReconnectPolicy &&other) noexcept;
    /// Destroys the policy.
    ~ReconnectPolicy();

    /// Whether the Client dials again by itself (default false).
    bool isEnabled() const;
    /// Turns reconnecting on or off.
    void setEnabled(bool enabled);

    /// The wait before the first attempt after a loss.
    std::chrono::milliseconds minDelay() const;
    /// Sets the first wait; negative values count as 0. maxDelay() grows to stay at least as long.
    void setMinDelay(std::chrono::milliseconds delay);

    /// The longest wait, however many attempts failed.
    std::chrono::milliseconds maxDelay() const;
    /// Sets the longest wait; minDelay() shrinks to stay no longer.
    void setMaxDelay(std::chrono::milliseconds delay);

    /// The largest random change of a wait, as a fraction of it (0 to 1).
    double jitter() const;
    /// Sets the jitter; values outside 0 to 1 are clamped. 0 gives exact doubling.
    void setJitter(double fraction);

    /// How long a connection must stay open to reset the sequence to minDelay().
    std::chrono::milliseconds resetAfter() const;
    /// Sets how long a connection must stay open to count as stable.
    void setResetAfter(std::chrono::milliseconds duration);

    /// The wait before the given attempt (1 for the first after a loss), for a random
    /// number in [0, 1).
    ///
    /// The doubling sequence gives minDelay() * 2^(attempt - 1), at most maxDelay(); the
    /// wait is that value times 1 + jitter() * (2 * random - 1), kept within minDelay()
    /// and maxDelay(). The Client draws random from QRandomGenerator::global().
    std::chrono::milliseconds delay(int attempt, double random) const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace WsKit
