using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Cavra.Gate.Runtime;

namespace Cavra.PowerShell
{
    /// <summary>
    /// The daemons Start-CavraGoRuntimeDaemon started, each owned by the runspace that started it. A runspace's daemons stop
    /// when it closes, when the module is removed from it, and (all of them) when the process exits (the engine's own hook).
    /// Pipelines in the owning runspace with -Transport Daemon use a running one that serves the same runtime, policy and registry.
    /// </summary>
    public static class SessionDaemons
    {
        private static readonly List<(GoRuntimeDaemon Daemon, Runspace? Owner)> Entries = new List<(GoRuntimeDaemon, Runspace?)>();
        private static readonly HashSet<Runspace> Watched = new HashSet<Runspace>();

        public static void Add(GoRuntimeDaemon daemon, Runspace? owner)
        {
            lock (Entries)
            {
                Entries.Add((daemon, owner));
                if (owner == null || !Watched.Add(owner)) return;
            }
            owner.StateChanged += OnRunspaceStateChanged;
        }

        public static void Remove(GoRuntimeDaemon daemon)
        {
            lock (Entries) Entries.RemoveAll(e => ReferenceEquals(e.Daemon, daemon));
        }

        /// <summary>The current runspace's daemons that have not been stopped.</summary>
        public static List<GoRuntimeDaemon> Current()
        {
            var owner = Runspace.DefaultRunspace;
            var list = new List<GoRuntimeDaemon>();
            lock (Entries)
                foreach (var e in Entries)
                    if (ReferenceEquals(e.Owner, owner) && !e.Daemon.Stopped) list.Add(e.Daemon);
            return list;
        }

        /// <summary>A daemon of the current runspace serving exactly these inputs, or null.</summary>
        public static GoRuntimeDaemon? Find(GoRuntimeDaemonOptions options)
        {
            foreach (var d in Current()) if (d.Serves(options)) return d;
            return null;
        }

        /// <summary>Stops every daemon <paramref name="owner"/> started.</summary>
        public static void StopOwnedBy(Runspace? owner)
        {
            var stop = new List<GoRuntimeDaemon>();
            lock (Entries)
            {
                foreach (var e in Entries) if (ReferenceEquals(e.Owner, owner)) stop.Add(e.Daemon);
                Entries.RemoveAll(e => ReferenceEquals(e.Owner, owner));
            }
            foreach (var d in stop) d.Stop();
        }

        private static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            var state = e.RunspaceStateInfo.State;
            if (state != RunspaceState.Closing && state != RunspaceState.Closed && state != RunspaceState.Broken) return;
            var runspace = sender as Runspace;
            StopOwnedBy(runspace);
            if (runspace == null) return;
            lock (Entries) Watched.Remove(runspace);
            runspace.StateChanged -= OnRunspaceStateChanged;
        }
    }

    /// <summary>Remove-Module stops the daemons the removing runspace started.</summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) => SessionDaemons.StopOwnedBy(Runspace.DefaultRunspace);
    }
}
