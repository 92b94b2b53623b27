using System;
using System.Diagnostics;

namespace Cavra.PowerShell
{
    /// <summary>A readiness API process started by Start-CavraReadinessApi; pipe it to Stop-CavraReadinessApi.</summary>
    public sealed class ReadinessApiServer
    {
        internal ReadinessApiServer(Uri uri, string address, int port, Process process) { Uri = uri; Address = address; Port = port; Process = process; }

        public Uri Uri { get; }
        public string Address { get; }
        public int Port { get; }
        public int ProcessId => Process.Id;
        public Process Process { get; }
        public bool Running { get { try { return !Process.HasExited; } catch (InvalidOperationException) { return false; } } }
    }
}
