using System.IO;
using System.Management.Automation;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Returns the Pester readiness pack shipped with the module: the promotion gate as Pester tests for change windows.</summary>
    [Cmdlet(VerbsCommon.Get, "CavraReadinessPack")]
    [OutputType(typeof(FileInfo))]
    public sealed class GetCavraReadinessPackCommand : PSCmdlet
    {
        public const string FileName = "Cavra.GoPromotion.Tests.ps1";

        protected override void EndProcessing()
        {
            string moduleBase = Path.GetDirectoryName(typeof(GetCavraReadinessPackCommand).Assembly.Location)!;
            var pack = new FileInfo(Path.Combine(Path.Combine(moduleBase, "ReadinessPack"), FileName));
            if (!pack.Exists)
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The readiness pack is missing from this module build.", pack.FullName),
                    "ReadinessPackNotFound", ErrorCategory.ObjectNotFound, pack.FullName));
            WriteObject(pack);
        }
    }
}
