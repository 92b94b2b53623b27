using System;
using System.Collections.Generic;
using System.Globalization;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>How many actions of a daemon pipeline went one-shot because the daemon contract cannot carry them
    /// faithfully (docs/design/runtime-protocol.md §3.2), by reason, for the -Verbose summary at the end of the pipeline.</summary>
    internal sealed class OneShotRoutes
    {
        private readonly Dictionary<string, int> _byReason = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly List<string> _order = new List<string>();
        private int _total;

        public void Add(string reason)
        {
            lock (_byReason)
            {
                _total++;
                if (_byReason.TryGetValue(reason, out int n)) _byReason[reason] = n + 1;
                else { _byReason[reason] = 1; _order.Add(reason); }
            }
        }

        /// <summary>"N of M actions went one-shot because …: K (reason); …", or "0 of M actions went one-shot".</summary>
        public string Summary(int evaluated)
        {
            lock (_byReason)
            {
                var culture = CultureInfo.InvariantCulture;
                string head = string.Format(culture, "{0:N0} of {1:N0} actions went one-shot", _total, evaluated);
                if (_total == 0) return head + ": the daemon carried every action that called the runtime.";
                var parts = new List<string>(_order.Count);
                foreach (var reason in _order) parts.Add(string.Format(culture, "{0:N0} ({1})", _byReason[reason], reason));
                return head + " because the daemon contract cannot carry them faithfully: " + string.Join("; ", parts) + ".";
            }
        }
    }
}
