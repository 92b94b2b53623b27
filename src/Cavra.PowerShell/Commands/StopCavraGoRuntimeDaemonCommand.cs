using System.Management.Automation;
using Cavra.Gate.Runtime;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Stops a daemon started by Start-CavraGoRuntimeDaemon and removes its socket and directory.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "CavraGoRuntimeDaemon", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class StopCavraGoRuntimeDaemonCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public GoRuntimeDaemon InputObject { get; set; } = null!;

        protected override void ProcessRecord()
        {
            string target = InputObject.SocketPath.Length > 0 ? InputObject.SocketPath : InputObject.RuntimePath;
            if (!ShouldProcess(target, "Stop the cavra-runtime daemon")) return;
            int pid = InputObject.ProcessId;
            InputObject.Stop();
            SessionDaemons.Remove(InputObject);
            WriteVerbose($"Stopped the cavra-runtime daemon{(pid > 0 ? $" (process {pid})" : "")} on {target}.");
        }
    }
}
