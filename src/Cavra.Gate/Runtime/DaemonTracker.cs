using System;
using System.Collections.Generic;

namespace Cavra.Gate.Runtime
{
    /// <summary>Every daemon this process started and has not stopped; all are stopped when the process exits or crashes
    /// with an unhandled exception. An outright kill (SIGKILL) runs none of this: each daemon's <see cref="OwnerWatch"/> covers it.</summary>
    internal static class DaemonTracker
    {
        private static readonly HashSet<GoRuntimeDaemon> Live = new HashSet<GoRuntimeDaemon>();
        private static bool _hooked;

        public static void Add(GoRuntimeDaemon daemon)
        {
            lock (Live)
            {
                Live.Add(daemon);
                if (_hooked) return;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
                // A crash skips ProcessExit; the unhandled-exception event still runs before the process dies.
                AppDomain.CurrentDomain.UnhandledException += (_, e) => { if (e.IsTerminating) StopAll(); };
                _hooked = true;
            }
        }

        public static void Remove(GoRuntimeDaemon daemon) { lock (Live) Live.Remove(daemon); }

        public static int Count { get { lock (Live) return Live.Count; } }

        public static void StopAll()
        {
            GoRuntimeDaemon[] all;
            lock (Live) all = new List<GoRuntimeDaemon>(Live).ToArray();
            foreach (var d in all) d.Stop(graceful: false);
        }
    }
}
