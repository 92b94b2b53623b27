using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// The one way the module passes an argv list to a child process (the runtime, its daemon and watcher, the API host):
    /// verbatim, without a shell.
    /// </summary>
    public static class ProcessArguments
    {
        private static readonly PropertyInfo? ArgumentListProperty = typeof(ProcessStartInfo).GetProperty("ArgumentList");

        public static void Set(ProcessStartInfo start, IEnumerable<string> arguments)
        {
            // .NET Core's ArgumentList passes each argument verbatim; netstandard2.0 (Windows PowerShell) only has the
            // Arguments string.
            if (ArgumentListProperty?.GetValue(start) is ICollection<string> list)
            {
                foreach (var a in arguments) list.Add(a);
                return;
            }
            start.Arguments = Join(arguments);
        }

        /// <summary>A command line that <c>CommandLineToArgvW</c>, the MSVC runtime and .NET on Unix split back into
        /// <paramref name="arguments"/>.</summary>
        public static string Join(IEnumerable<string> arguments)
        {
            var sb = new StringBuilder();
            foreach (var a in arguments) { if (sb.Length > 0) sb.Append(' '); sb.Append(Quote(a)); }
            return sb.ToString();
        }

        /// <summary>Quotes one argument by the CommandLineToArgvW rules: quoted when empty or holding whitespace (space,
        /// tab, line feed, vertical tab) or '"'; backslashes doubled only before a quote.</summary>
        public static string Quote(string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0) return arg;
            var sb = new StringBuilder("\"");
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\') { backslashes++; continue; }
                if (c == '"') { sb.Append('\\', backslashes * 2 + 1).Append('"'); backslashes = 0; continue; }
                sb.Append('\\', backslashes).Append(c);
                backslashes = 0;
            }
            sb.Append('\\', backslashes * 2).Append('"');
            return sb.ToString();
        }
    }
}
