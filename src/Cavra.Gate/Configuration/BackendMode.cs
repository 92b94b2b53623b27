namespace Cavra.Gate.Configuration
{
    /// <summary>How the pilot uses the Go runtime. Unknown values fail closed to <see cref="Disabled"/>.</summary>
    public enum BackendMode { Disabled, Shadow, Enforce, Promoted }

    /// <summary>Where a configuration value came from.</summary>
    public enum ConfigSource { Default, Environment, Parameter }
}
