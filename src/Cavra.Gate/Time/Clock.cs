using System;

namespace Cavra.Gate.Time
{
    /// <summary>The one source of "now" in the engine (docs/design/README.md §3.5). Tests pin it; nothing reads the system time directly.</summary>
    public abstract class Clock
    {
        public static readonly Clock System = new SystemClock();
        public abstract DateTimeOffset UtcNow { get; }

        private sealed class SystemClock : Clock
        {
            public override DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
        }
    }

    /// <summary>A clock that stays where it is put; for tests, replays and benchmarks.</summary>
    public sealed class FixedClock : Clock
    {
        public FixedClock(DateTimeOffset now) { Now = now.ToUniversalTime(); }
        public DateTimeOffset Now { get; set; }
        public override DateTimeOffset UtcNow => Now;
        public void Advance(TimeSpan by) => Now = Now + by;
    }
}
