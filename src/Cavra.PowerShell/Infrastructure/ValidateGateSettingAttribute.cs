using System.Management.Automation;
using Cavra.Gate.Configuration;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>Applies a settings-table row's one validator to a cmdlet parameter, so a parameter refuses exactly what the
    /// settings file and the environment refuse (e.g. -TimeoutSeconds outside 0.001 to 3600, or infinity).</summary>
    public sealed class ValidateGateSettingAttribute : ValidateArgumentsAttribute
    {
        public ValidateGateSettingAttribute(string name)
        {
            Setting = GateSettings.Find(name) ?? throw new System.ArgumentException($"'{name}' is not a row of the settings table", nameof(name));
        }

        public GateSetting Setting { get; }

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            object value = arguments is PSObject ps ? ps.BaseObject : arguments;
            if (value is SwitchParameter sw) value = sw.IsPresent;
            string? refusal = value != null && value.GetType() == Setting.ValueType ? Setting.Refusal(value) : null;
            if (refusal != null) throw new ValidationMetadataException($"-{Setting.Name} {refusal} ({Setting.EnvironmentVariable} and the settings file's {Setting.Key} are held to the same rule).");
        }
    }
}
