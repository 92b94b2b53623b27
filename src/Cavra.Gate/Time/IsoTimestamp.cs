using System;
using System.Globalization;
using System.Text;

namespace Cavra.Gate.Time
{
    /// <summary>Timestamp text as upstream CAVRA reads and writes it (docs/design/evidence.md §1.4).</summary>
    public static class IsoTimestamp
    {
        /// <summary>Python <c>datetime.isoformat()</c> of an aware UTC time: fractional part only when non-zero (6 digits), offset +00:00.</summary>
        public static string Format(DateTimeOffset value)
        {
            var utc = value.ToUniversalTime();
            long micros = (utc.Ticks % TimeSpan.TicksPerSecond) / 10;
            var core = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
            return micros == 0 ? core + "+00:00" : core + "." + micros.ToString("D6", CultureInfo.InvariantCulture) + "+00:00";
        }

        /// <summary>
        /// Upstream's <c>_parse_iso_datetime</c>: upper-case 'Z' becomes +00:00, lower-case 'z' is not handled,
        /// date-only means midnight, a missing offset is UTC; returns false for anything else.
        /// Accepts <c>yyyy-MM-dd[(T| )HH:mm[:ss[.f{1,9}]]][±HH:MM|±HHMM|Z]</c> and basic <c>yyyyMMddTHHmmss[Z]</c>.
        /// </summary>
        public static bool TryParse(string? text, out DateTimeOffset value)
        {
            value = default;
            if (string.IsNullOrEmpty(text)) return false;
            string s = text!.Replace("Z", "+00:00");
            int i = 0;
            if (!ReadDate(s, ref i, out int year, out int month, out int day)) return false;
            int hour = 0, minute = 0, second = 0;
            long fracTicks = 0;
            TimeSpan offset = TimeSpan.Zero;
            if (i < s.Length)
            {
                if (s[i] != 'T' && s[i] != ' ') return false;
                i++;
                if (!Digits(s, ref i, 2, out hour)) return false;
                bool basic = i < s.Length && char.IsDigit(s[i]);
                if (!basic)
                {
                    if (i >= s.Length || s[i] != ':') return false;
                    i++;
                }
                if (!Digits(s, ref i, 2, out minute)) return false;
                if (i < s.Length && (s[i] == ':' || (basic && char.IsDigit(s[i]))))
                {
                    if (s[i] == ':') i++;
                    if (!Digits(s, ref i, 2, out second)) return false;
                    if (i < s.Length && (s[i] == '.' || s[i] == ','))
                    {
                        i++;
                        int start = i;
                        while (i < s.Length && char.IsDigit(s[i])) i++;
                        int n = i - start;
                        if (n < 1 || n > 9) return false;
                        string frac = s.Substring(start, Math.Min(n, 6)).PadRight(6, '0'); // truncated to microseconds
                        fracTicks = long.Parse(frac, CultureInfo.InvariantCulture) * 10;
                    }
                }
                if (i < s.Length)
                {
                    char sign = s[i];
                    if (sign != '+' && sign != '-') return false;
                    i++;
                    if (!Digits(s, ref i, 2, out int oh)) return false;
                    if (i < s.Length && s[i] == ':') i++;
                    if (!Digits(s, ref i, 2, out int om)) return false;
                    if (i != s.Length || oh > 23 || om > 59) return false;
                    offset = new TimeSpan(oh, om, 0);
                    if (sign == '-') offset = offset.Negate();
                }
            }
            if (hour > 23 || minute > 59 || second > 59) return false;
            try
            {
                if (month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || year < 1) return false;
                var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fracTicks);
                value = new DateTimeOffset(local, offset).ToUniversalTime();
                return true;
            }
            catch (ArgumentOutOfRangeException) { return false; }
        }

        private static bool ReadDate(string s, ref int i, out int year, out int month, out int day)
        {
            month = day = 0;
            if (!Digits(s, ref i, 4, out year)) return false;
            bool extended = i < s.Length && s[i] == '-';
            if (extended) i++;
            if (!Digits(s, ref i, 2, out month)) return false;
            if (extended)
            {
                if (i >= s.Length || s[i] != '-') return false;
                i++;
            }
            return Digits(s, ref i, 2, out day);
        }

        private static bool Digits(string s, ref int i, int count, out int value)
        {
            value = 0;
            if (i + count > s.Length) return false;
            for (int k = 0; k < count; k++)
            {
                char c = s[i + k];
                if (c < '0' || c > '9') return false;
                value = value * 10 + (c - '0');
            }
            i += count;
            return true;
        }
    }
}
