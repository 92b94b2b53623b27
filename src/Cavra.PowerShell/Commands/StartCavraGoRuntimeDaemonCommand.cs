using System;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Runtime;
using Cavra.PowerShell.Infrastructure;
using Cavra.Gate.FileSystem;

namespace Cavra.PowerShell.Commands
{

    /// <summary>
    /// Starts a cavra-runtime daemon (--serve) owned by this session, on a socket in a private directory, and waits until it
    /// answers. Pipelines in this session with -Transport Daemon and the same runtime, policy and registry use it.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "CavraGoRuntimeDaemon", SupportsShouldProcess = true)]
    [OutputType(typeof(GoRuntimeDaemon))]
    public sealed class StartCavraGoRuntimeDaemonCommand : PSCmdlet
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();

        [Parameter] public string RuntimePath { get; set; } = null!;
        [Parameter] public string PolicyPath { get; set; } = null!;
        [Parameter] public string RegistryPath { get; set; } = null!;
        /// <summary>A settings file (the same JSON as Start-CavraReadinessApi -SettingsPath; default CAVRA_GO_SETTINGS).</summary>
        [Parameter] [ValidateGateSetting(nameof(SettingsPath))] public string SettingsPath { get; set; } = null!;
        /// <summary>How long to wait until the daemon answers.</summary>
        [Parameter] [ValidateRange(0.1, 300)] public double TimeoutSeconds { get; set; } = 10;

        protected override void EndProcessing()
        {
            if (!UnixSocket.IsSupported)
                ThrowTerminatingError(new ErrorRecord(new PlatformNotSupportedException(UnixSocket.UnsupportedReason), "DaemonTransportNotSupported", ErrorCategory.NotImplemented, null));

            // -TimeoutSeconds here is the ready timeout, not the runtime call timeout: only these rows are read from parameters.
            var config = GateConfigurationCmdlet.ResolveConfig(this, GateConfigurationCmdlet.BoundSettings(this,
                GateSettings.RuntimePath, GateSettings.PolicyPath, GateSettings.RegistryPath, GateSettings.SettingsPath));
            var files = new InputFiles(SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            var options = GoRuntimeDaemonOptions.From(config, files);
            options.ReadyTimeout = TimeSpan.FromSeconds(TimeoutSeconds);
            if (options.RuntimePath.Length == 0)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("No runtime path: give -RuntimePath or set CAVRA_GO_RUNTIME_PATH."), "RuntimePathMissing", ErrorCategory.InvalidArgument, null));

            var running = SessionDaemons.Find(options);
            if (running != null && running.Running)
            {
                WriteVerbose($"A daemon for these inputs is already running (process {running.ProcessId}) on {running.SocketPath}.");
                WriteObject(running);
                return;
            }
            if (!ShouldProcess(options.RuntimePath, "Start a cavra-runtime daemon")) return;

            GoRuntimeDaemon daemon;
            try { daemon = GoRuntimeDaemon.Start(options, _stop.Token); }
            catch (GoRuntimeDaemonException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "DaemonStartFailed", ErrorCategory.OpenError, options.RuntimePath));
                return;
            }
            SessionDaemons.Add(daemon, Runspace.DefaultRunspace);
            WriteVerbose($"Started the cavra-runtime daemon (process {daemon.ProcessId}) on {daemon.SocketPath}.");
            WriteObject(daemon);
        }

        protected override void StopProcessing() => _stop.Cancel();
    }
}
