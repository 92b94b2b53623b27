using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace Cavra.PowerShell
{
    /// <summary>A readiness API process started by Start-CavraReadinessApi; pipe it to Stop-CavraReadinessApi.</summary>
    public sealed class ReadinessApiServer
    {
        private static readonly List<Process> Owned = new List<Process>();
        private static bool _exitHookRegistered;

        internal ReadinessApiServer(Uri uri, string address, int port, Process process)
        {
            Uri = uri; Address = address; Port = port; Process = process; ProcessId = process.Id;
        }

        /// <summary>The base address, e.g. http://127.0.0.1:8000/ (routes are relative to it).</summary>
        public Uri Uri { get; }
        public string Address { get; }
        /// <summary>The port it listens on (the one the system picked when started with -Port 0).</summary>
        public int Port { get; }
        public int ProcessId { get; }
        public Process Process { get; }
        public bool Running { get { try { return !Process.HasExited; } catch (InvalidOperationException) { return false; } } }

        public override string ToString() => Uri.ToString();

        /// <summary>Remembers a started API so that it is stopped when this PowerShell process exits normally. (An abnormal
        /// end closes the API's standard input instead, which stops it too.)</summary>
        internal static void Own(Process process)
        {
            lock (Owned)
            {
                Owned.Add(process);
                if (_exitHookRegistered) return;
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    Process[] all;
                    lock (Owned) all = Owned.ToArray();
                    foreach (var p in all) { try { p.Kill(); } catch (Exception) { } }
                };
                _exitHookRegistered = true;
            }
        }

        internal static void Disown(Process process)
        {
            lock (Owned) Owned.Remove(process);
        }

        /// <summary>Asks the API to shut down (its standard input is closed: in-flight requests finish), kills it if it
        /// has not exited within a few seconds, and waits until it has. Returns false when it had already exited.</summary>
        internal static bool Stop(Process process)
        {
            bool wasRunning;
            try
            {
                wasRunning = !process.HasExited;
                if (wasRunning)
                {
                    try { process.StandardInput.Close(); } catch (Exception ex) when (ex is IOException || ex is InvalidOperationException) { }
                    if (!process.WaitForExit(5000))
                    {
                        try { process.Kill(); } catch (InvalidOperationException) { }
                    }
                    process.WaitForExit(10000);
                }
            }
            catch (InvalidOperationException) { wasRunning = false; } // not started by this session, or already reaped
            Disown(process);
            return wasRunning;
        }
    }
}
