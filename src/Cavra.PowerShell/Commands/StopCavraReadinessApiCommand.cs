using System.Management.Automation;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Stops a readiness API started by Start-CavraReadinessApi and waits until its process has exited.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "CavraReadinessApi", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class StopCavraReadinessApiCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public ReadinessApiServer InputObject { get; set; } = null!;

        protected override void ProcessRecord()
        {
            if (!ShouldProcess($"{InputObject.Uri} (process {InputObject.ProcessId})", "Stop the Cavra readiness API")) return;
            bool wasRunning = ReadinessApiServer.Stop(InputObject.Process);
            WriteVerbose(wasRunning
                ? $"Stopped the readiness API on {InputObject.Uri} (process {InputObject.ProcessId})."
                : $"The readiness API on {InputObject.Uri} (process {InputObject.ProcessId}) had already exited.");
        }
    }
}
