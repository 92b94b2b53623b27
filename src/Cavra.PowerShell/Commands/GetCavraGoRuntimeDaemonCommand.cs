using System.Management.Automation;
using Cavra.Gate.Runtime;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Lists the daemons this session started and has not stopped.</summary>
    [Cmdlet(VerbsCommon.Get, "CavraGoRuntimeDaemon")]
    [OutputType(typeof(GoRuntimeDaemon))]
    public sealed class GetCavraGoRuntimeDaemonCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            foreach (var d in SessionDaemons.Current()) WriteObject(d);
        }
    }
}
