using System;
using System.Collections.Generic;

namespace Cavra.Gate.Decisions
{
    /// <summary>
    /// The runtime's path and command pattern (docs/design/decisions.md §4.2), precompiled. Semantics of the Go original
    /// (<c>^</c> + QuoteMeta(pattern) with every <c>\*</c> turned into <c>.*</c> + <c>$</c>, RE2, no flags):
    /// <list type="bullet">
    /// <item>whole-string, case-sensitive, ordinal match;</item>
    /// <item>every run of <c>*</c> matches any run of characters, <c>/</c> included, empty included, but never <c>\n</c>;</item>
    /// <item>every other character is literal; no path normalisation, no trimming.</item>
    /// </list>
    /// Hand-written instead of <see cref="System.Text.RegularExpressions.Regex"/>: no anchoring pitfalls (.NET <c>$</c>
    /// also matches before a final newline) and several times faster for the short literal-prefix patterns policies use.
    /// Instances are immutable and thread-safe.
    /// </summary>
    public sealed class PatternMatcher
    {
        private readonly string _prefix;
        private readonly string _suffix;
        private readonly string[] _middle;
        private readonly bool _hasStar;
        private readonly bool _middleHasNewline;
        private readonly int _minLength;

        private PatternMatcher(string pattern)
        {
            Pattern = pattern;
            int firstStar = pattern.IndexOf('*');
            if (firstStar < 0)
            {
                _prefix = pattern;
                _suffix = "";
                _middle = Array.Empty<string>();
                _minLength = pattern.Length;
                return;
            }
            _hasStar = true;
            int lastStar = pattern.LastIndexOf('*');
            _prefix = pattern.Substring(0, firstStar);
            _suffix = pattern.Substring(lastStar + 1);
            var middle = new List<string>();
            foreach (var part in pattern.Substring(firstStar, lastStar - firstStar + 1).Split('*'))
                if (part.Length > 0) middle.Add(part);
            _middle = middle.ToArray();
            int min = _prefix.Length + _suffix.Length;
            foreach (var m in _middle)
            {
                min += m.Length;
                if (m.IndexOf('\n') >= 0) _middleHasNewline = true;
            }
            _minLength = min;
        }

        /// <summary>The pattern text as written in the policy.</summary>
        public string Pattern { get; }

        public static PatternMatcher Compile(string pattern) => new PatternMatcher(pattern ?? "");

        /// <summary>One-off match; policies precompile their patterns instead.</summary>
        public static bool IsMatch(string value, string pattern) => Compile(pattern).IsMatch(value);

        public bool IsMatch(string value)
        {
            if (value == null) return false;
            if (!_hasStar) return string.Equals(value, _prefix, StringComparison.Ordinal);
            if (value.Length < _minLength) return false;
            if (_prefix.Length > 0 && string.CompareOrdinal(value, 0, _prefix, 0, _prefix.Length) != 0) return false;
            int end = value.Length - _suffix.Length;
            if (_suffix.Length > 0 && string.CompareOrdinal(value, end, _suffix, 0, _suffix.Length) != 0) return false;
            int start = _prefix.Length;
            if (_middleHasNewline) return MatchMiddleWithNewlines(value, start, end);
            // Stars never match '\n' and no middle literal contains one, so the region they cover must be newline-free;
            // then leftmost placement of each literal is optimal (classic glob argument).
            if (end > start && value.IndexOf('\n', start, end - start) >= 0) return false;
            int pos = start;
            foreach (var m in _middle)
            {
                int at = value.IndexOf(m, pos, end - pos, StringComparison.Ordinal);
                if (at < 0) return false;
                pos = at + m.Length;
            }
            return true;
        }

        /// <summary>
        /// General case (a literal between stars contains '\n'): track every position reachable after each literal,
        /// where the gap a star covers may not contain '\n'. Rare, so clarity beats speed here.
        /// </summary>
        private bool MatchMiddleWithNewlines(string value, int start, int end)
        {
            var reachable = new bool[end - start + 1];
            reachable[0] = true;
            foreach (var m in _middle)
            {
                var next = new bool[end - start + 1];
                bool any = false;
                for (int p = start; p <= end; p++)
                {
                    if (!reachable[p - start]) continue;
                    // The star before m covers value[p..at); at may run up to and including the next '\n'.
                    for (int at = p; at + m.Length <= end; at++)
                    {
                        if (string.CompareOrdinal(value, at, m, 0, m.Length) == 0) { next[at + m.Length - start] = true; any = true; }
                        if (value[at] == '\n') break;
                    }
                }
                if (!any) return false;
                reachable = next;
            }
            for (int p = start; p <= end; p++)
                if (reachable[p - start] && (end == p || value.IndexOf('\n', p, end - p) < 0)) return true;
            return false;
        }

        public override string ToString() => Pattern;
    }
}
