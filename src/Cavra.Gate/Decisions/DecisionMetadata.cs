using System;
using System.Collections;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// Decision and correlation ids (<c>dec_</c>/<c>corr_</c> + 12 lowercase hex from 6 CSPRNG bytes, docs/design/decisions.md §2.3) and the
    /// Go RFC3339Nano timestamp. Random bytes come from a per-thread buffer refilled from one shared CSPRNG, so an id costs
    /// a few nanoseconds instead of a system call. On RNG failure the hex part is <c>000000000000</c>, as upstream.
    /// </summary>
    internal static class DecisionMetadata
    {
        // One CSPRNG call costs microseconds whatever its size, so draw many ids' worth at once (682 decisions per refill).
        private const int BufferSize = 8184;
        private static readonly RandomNumberGenerator Rng = RandomNumberGenerator.Create();
        private static readonly char[] HexDigits = "0123456789abcdef".ToCharArray();

        [ThreadStatic] private static byte[]? _buffer;
        [ThreadStatic] private static int _used;
        [ThreadStatic] private static char[]? _chars;
        [ThreadStatic] private static char[]? _stamp;
        [ThreadStatic] private static long _stampSecond;

        public static string NewDecisionId() => NewId("dec_");
        public static string NewCorrelationId() => NewId("corr_");

        private static string NewId(string prefix)
        {
            var chars = _chars ??= new char[32];
            prefix.CopyTo(0, chars, 0, prefix.Length);
            int at = prefix.Length;
            var buffer = _buffer;
            if (buffer == null || _used + 6 > buffer.Length)
            {
                buffer = Refill();
            }
            if (buffer == null)
            {
                for (int i = 0; i < 12; i++) chars[at + i] = '0';
            }
            else
            {
                int used = _used;
                for (int i = 0; i < 6; i++)
                {
                    byte b = buffer[used + i];
                    chars[at + 2 * i] = HexDigits[b >> 4];
                    chars[at + 2 * i + 1] = HexDigits[b & 0xF];
                }
                _used = used + 6; // consumed bytes are never handed out again
            }
            return new string(chars, 0, at + 12);
        }

        private static byte[]? Refill()
        {
            try
            {
                var buffer = _buffer ??= new byte[BufferSize];
                Rng.GetBytes(buffer);
                _used = 0;
                return buffer;
            }
            catch (Exception)
            {
                _used = BufferSize; // try again next time
                return null;
            }
        }

        /// <summary>
        /// Go's <c>time.Now().UTC().Format(time.RFC3339Nano)</c>: <c>yyyy-MM-ddTHH:mm:ss</c>, then a fraction with trailing
        /// zeros trimmed (none when zero), then <c>Z</c>. .NET ticks give at most 7 fractional digits.
        /// </summary>
        public static string FormatTimestamp(DateTimeOffset time)
        {
            long ticks = time.UtcTicks;
            long second = ticks / TimeSpan.TicksPerSecond;
            var chars = _stamp;
            if (chars == null || second != _stampSecond)
            {
                // The "yyyy-MM-ddTHH:mm:ss" prefix changes once a second: build it only then.
                chars ??= _stamp = new char[32];
                var utc = new DateTime(second * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
                int year = utc.Year;
                chars[0] = (char)('0' + year / 1000 % 10);
                chars[1] = (char)('0' + year / 100 % 10);
                chars[2] = (char)('0' + year / 10 % 10);
                chars[3] = (char)('0' + year % 10);
                chars[4] = '-';
                Two(chars, 5, utc.Month);
                chars[7] = '-';
                Two(chars, 8, utc.Day);
                chars[10] = 'T';
                Two(chars, 11, utc.Hour);
                chars[13] = ':';
                Two(chars, 14, utc.Minute);
                chars[16] = ':';
                Two(chars, 17, utc.Second);
                _stampSecond = second;
            }
            int n = 19;
            long fraction = ticks - second * TimeSpan.TicksPerSecond; // 7 digits of 100 ns
            if (fraction != 0)
            {
                chars[n++] = '.';
                int digits = 7;
                while (fraction % 10 == 0) { fraction /= 10; digits--; }
                for (int i = digits - 1; i >= 0; i--) { chars[n + i] = (char)('0' + fraction % 10); fraction /= 10; }
                n += digits;
            }
            chars[n++] = 'Z';
            return new string(chars, 0, n);
        }

        private static void Two(char[] chars, int at, int value)
        {
            chars[at] = (char)('0' + value / 10);
            chars[at + 1] = (char)('0' + value % 10);
        }
    }

    /// <summary>An immutable one-item list (every decision has exactly one evidence ref); cheaper than a wrapped array.</summary>
    internal sealed class SingleItemList : IReadOnlyList<string>
    {
        private readonly string _item;
        public SingleItemList(string item) { _item = item; }
        public int Count => 1;
        public string this[int index] => index == 0 ? _item : throw new ArgumentOutOfRangeException(nameof(index));
        public IEnumerator<string> GetEnumerator() { yield return _item; }
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
