#include <WsKit/reconnectpolicy.h>

#include <QtCore/QtGlobal>

#include <algorithm>
#include <cmath>

namespace WsKit {

struct ReconnectPolicy::Private {
    bool enabled = false;
    std::chrono::milliseconds minDelay = DefaultMinDelay;
    std::chrono::milliseconds maxDelay = DefaultMaxDelay;
    double jitter = DefaultJitter;
    std::chrono::milliseconds resetAfter = DefaultResetAfter;
};

ReconnectPolicy::ReconnectPolicy()
    : d(std::make_unique<Private>())
{
}

ReconnectPolicy::ReconnectPolicy(const ReconnectPolicy &other)
    : d(std::make_unique<Private>(*other.d))
{
}

ReconnectPolicy::ReconnectPolicy(ReconnectPolicy &&other) noexcept
    : d(std::make_unique<Private>(*other.d))
{
}

ReconnectPolicy &ReconnectPolicy::operator=(const ReconnectPolicy &other)
{
    *d = *other.d;
    return *this;
}

ReconnectPolicy &ReconnectPolicy::operator=(ReconnectPolicy &&other) noexcept
{
    *d = *other.d;
    return *this;
}

ReconnectPolicy::~ReconnectPolicy() = default;

bool ReconnectPolicy::isEnabled() const
{
    return d->enabled;
}

void ReconnectPolicy::setEnabled(bool enabled)
{
    d->enabled = enabled;
}

std::chrono::milliseconds ReconnectPolicy::minDelay() const
{
    return d->minDelay;
}

void ReconnectPolicy::setMinDelay(std::chrono::milliseconds delay)
{
    d->minDelay = std::max(std::chrono::milliseconds{0}, delay);
    d->maxDelay = std::max(d->maxDelay, d->minDelay);
}

std::chrono::milliseconds ReconnectPolicy::maxDelay() const
{
    return d->maxDelay;
}

void ReconnectPolicy::setMaxDelay(std::chrono::milliseconds delay)
{
    d->maxDelay = std::max(std::chrono::milliseconds{0}, delay);
    d->minDelay = std::min(d->minDelay, d->maxDelay);
}

double ReconnectPolicy::jitter() const
{
    return d->jitter;
}

void ReconnectPolicy::setJitter(double fraction)
{
    d->jitter = std::isnan(fraction) ? 0.0 : std::clamp(fraction, 0.0, 1.0);
}

std::chrono::milliseconds ReconnectPolicy::resetAfter() const
{
    return d->resetAfter;
}

void ReconnectPolicy::setResetAfter(std::chrono::milliseconds duration)
{
    d->resetAfter = std::max(std::chrono::milliseconds{0}, duration);
}

std::chrono::milliseconds ReconnectPolicy::delay(int attempt, double random) const
{
    const double minimum = static_cast<double>(d->minDelay.count());
    const double maximum = static_cast<double>(d->maxDelay.count());
    // Past 2^62 every delay is the maximum; ldexp keeps larger attempts from overflowing.
    const double doubled = minimum * std::ldexp(1.0, std::clamp(attempt - 1, 0, 62));
    const double ceiling = std::min(maximum, doubled);
    const double spread = std::clamp(random, 0.0, 1.0) * 2.0 - 1.0;
    const double wait = std::clamp(ceiling * (1.0 + d->jitter * spread), minimum, maximum);
    return std::chrono::milliseconds{qRound64(wait)};
}

} // namespace WsKit
