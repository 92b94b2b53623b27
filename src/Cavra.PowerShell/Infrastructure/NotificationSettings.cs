using System;
using System.Management.Automation;
using Cavra.Gate.Configuration;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>The two notification rows of the settings table (connector config, ledger), looked up by name.</summary>
    internal static class NotificationSettings
    {
        public const string LedgerVariable = "CAVRA_GO_NOTIFICATION_LEDGER";
        public const string ConnectorsVariable = "CAVRA_CONNECTOR_CONFIG";
        public static readonly GateSetting? Ledger = GateSettings.Find("NotificationLedgerPath");
        public static readonly GateSetting? Connectors = GateSettings.Find("ConnectorConfigPath");

        /// <summary>The row's value; until the row exists, the parameter, then the variable.</summary>
        public static string Value(PSCmdlet cmdlet, GateConfig config, GateSetting? setting, string parameter, string variable)
        {
            if (setting != null) return config.Path(setting);
            if (cmdlet.MyInvocation.BoundParameters.TryGetValue(parameter, out var v) && v is string text && text.Length > 0) return FileSystemPaths.Resolve(cmdlet, text);
            return Environment.GetEnvironmentVariable(variable) ?? "";
        }
    }
}
