namespace Cavra.Gate.Configuration
{
    /// <summary>How the pilot uses the Go runtime. Unknown values fail closed to <see cref="Disabled"/>.</summary>
    public enum BackendMode { Disabled, Shadow, Enforce, Promoted }

    /// <summary>Where a configuration value came from, strongest first: a parameter beats the settings file, which beats the
    /// environment; an evidence directory fills evidence paths at its own level (see <see cref="GateConfig.Resolve(GateParameters?, GateParameters?, System.Func{string, string?}, System.Func{string, bool}?)"/>).</summary>
    public enum ConfigSource { Default, Environment, Parameter, SettingsFile, EvidenceDirectory }
}
