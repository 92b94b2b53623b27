using System.Management.Automation;
using Cavra.Gate.Configuration;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// <para type="synopsis">Shows the effective Go backend configuration and where each value came from.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CavraGoBackendConfig")]
    [OutputType(typeof(ConfigSetting))]
    [OutputType(typeof(string))]
    public sealed class GetCavraGoBackendConfigCommand : GateConfigurationCmdlet
    {
        /// <summary>Emit the canonical snake_case JSON of the effective configuration instead of objects.</summary>
        [Parameter] public SwitchParameter AsJson { get; set; }

        protected override void EndProcessing()
        {
            var config = ResolveConfig();
            if (AsJson) { WriteObject(CanonicalJsonOutput.Of(config)); return; }
            foreach (var setting in config.Settings) WriteObject(setting);
        }
    }
}
