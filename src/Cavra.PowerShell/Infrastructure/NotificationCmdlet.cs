using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Notifications;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// What the notification cmdlets share (docs/design/notifications.md §1): the ledger path (-LedgerPath, the settings
    /// file's notification_ledger_path, CAVRA_GO_NOTIFICATION_LEDGER), the settings file, reading the ledger, appending to
    /// it with the same error ids everywhere, and a cancellation that StopProcessing (Ctrl+C) fires, so an HTTP attempt in
    /// flight ends when the user stops the pipeline.
    /// </summary>
    public abstract class NotificationCmdlet : PSCmdlet, IDisposable
    {
        /// <summary>The notification ledger (JSONL). Default: the settings file's notification_ledger_path, then CAVRA_GO_NOTIFICATION_LEDGER.</summary>
        [Parameter] [ValidateNotNullOrEmpty] [ValidateGateSetting(nameof(GateSettings.NotificationLedgerPath))] public string LedgerPath { get; set; } = "";

        /// <summary>A settings file (the same JSON as Start-CavraReadinessApi -SettingsPath; default CAVRA_GO_SETTINGS).</summary>
        [Parameter] [ValidateGateSetting(nameof(SettingsPath))] public string SettingsPath { get; set; } = null!;

        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private GateConfig? _config;

        /// <summary>Cancelled by StopProcessing.</summary>
        protected CancellationToken Cancellation => _stop.Token;

        protected TimeProvider Clock => TimeProvider.System;

        protected override void StopProcessing()
        {
            try { _stop.Cancel(); }
            catch (ObjectDisposedException) { } // the pipeline already ended
        }

        /// <summary>PowerShell disposes a cmdlet when its pipeline ends.</summary>
        public void Dispose() => _stop.Dispose();

        /// <summary>The configuration for the rows this cmdlet uses, resolved once per pipeline (parameters, settings file, environment).</summary>
        protected GateConfig Config
        {
            get
            {
                if (_config != null) return _config;
                var given = new GateParameters();
                foreach (var (parameter, setting) in SettingParameters())
                    if (MyInvocation.BoundParameters.TryGetValue(parameter, out var value))
                    {
                        string text = (value is PSObject ps ? ps.BaseObject : value) as string ?? "";
                        given.Set(setting, text.Length == 0 ? "" : FileSystemPaths.Resolve(this, text));
                    }
                return _config = GateConfigurationCmdlet.ResolveConfig(this, given);
            }
        }

        /// <summary>The cmdlet's parameters that set a row of the settings table (the parameter name need not be the row's).</summary>
        protected virtual (string Parameter, GateSetting Setting)[] SettingParameters() => new[]
        {
            (nameof(LedgerPath), GateSettings.NotificationLedgerPath),
            (nameof(SettingsPath), GateSettings.SettingsPath),
        };

        /// <summary>The ledger's full path; a terminating NotificationLedgerNotConfigured error when no source names one.</summary>
        protected string Ledger => FullPath(Config.NotificationLedgerPath, "NotificationLedgerNotConfigured",
            "No notification ledger is configured: give -LedgerPath, notification_ledger_path in the settings file, or CAVRA_GO_NOTIFICATION_LEDGER.");

        /// <summary>A configured path made absolute against PowerShell's current location (a settings file's are already absolute).</summary>
        protected string FullPath(string path, string notConfiguredId, string notConfiguredMessage)
        {
            if (path.Length == 0)
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException(notConfiguredMessage), notConfiguredId, ErrorCategory.InvalidArgument, null));
            return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(SessionState.Path.CurrentFileSystemLocation.ProviderPath, path));
        }

        /// <summary>The engine's file door, relative paths against $PWD, reads narrated with -Verbose.</summary>
        protected InputFiles Files() => FileSystemPaths.InputFilesAt(this);

        /// <summary>Reads the ledger; each malformed line is a non-terminating NotificationLedgerInvalid error naming its line
        /// (the records around it are still returned). Refusals of the file as a whole (too large, not a regular file) are line 0.</summary>
        protected NotificationLedgerContents ReadLedger(string path, bool reportProblems = true)
        {
            var contents = NotificationLedger.Read(Files(), path);
            if (!contents.Exists) WriteVerbose($"{path} does not exist yet: no notification has been recorded.");
            if (reportProblems)
                foreach (var p in contents.Problems)
                    WriteError(new ErrorRecord(new InvalidDataException($"{path}: {p}"), "NotificationLedgerInvalid", ErrorCategory.InvalidData, path));
            return contents;
        }

        /// <summary>Reads the ledger before writing to it: null (after a NotificationLedgerInvalid error) when the file as a whole
        /// cannot be used (too large, a directory, unreadable), so a broken ledger is named as such, never as "no such delivery".</summary>
        protected NotificationLedgerContents? ReadLedgerForAppend(string path)
        {
            var contents = ReadLedger(path, reportProblems: false);
            foreach (var p in contents.Problems)
                if (p.LineNumber == 0)
                {
                    WriteError(new ErrorRecord(new InvalidDataException($"{path}: {p.Message}"), "NotificationLedgerInvalid", ErrorCategory.InvalidData, path));
                    return null;
                }
            return contents;
        }

        /// <summary>Appends records to the ledger, turning every refusal into its error id; false when nothing was written.</summary>
        protected bool Append(string path, params INotificationRecord[] records)
        {
            try
            {
                var done = NotificationLedger.Append(path, records);
                if (done.TornTailPath.Length > 0)
                    WriteWarning($"{path} ended in a torn line (a writer was stopped mid-append); its bytes were moved to {done.TornTailPath} and the ledger is whole again.");
                WriteVerbose($"Appended {done.Lines} line(s) to {path}.");
                return true;
            }
            catch (Exception ex) when (WriteLedgerError(ex, path)) { return false; }
        }

        /// <summary>Writes the ledger error for <paramref name="ex"/> and returns true, or false when it is not a ledger failure.</summary>
        protected bool WriteLedgerError(Exception ex, string path)
        {
            var record = LedgerError(ex, path);
            if (record == null) return false;
            WriteError(record);
            return true;
        }

        internal static ErrorRecord? LedgerError(Exception ex, string path) => ex switch
        {
            TimeoutException _ => new ErrorRecord(ex, "NotificationLedgerLockTimeout", ErrorCategory.ResourceBusy, path),
            NotARegularFileException n => new ErrorRecord(ex, "NotificationLedgerPathNotRegularFile", ErrorCategory.InvalidArgument, n.Path),
            NotificationLedgerException _ => new ErrorRecord(ex, "NotificationLedgerInvalid", ErrorCategory.InvalidData, path),
            IOException _ => new ErrorRecord(ex, "NotificationLedgerWriteFailed", ErrorCategory.WriteError, path),
            UnauthorizedAccessException _ => new ErrorRecord(ex, "NotificationLedgerWriteFailed", ErrorCategory.WriteError, path),
            _ => null,
        };

        /// <summary>Reads the connector config (-ConnectorConfigPath, connector_config_path, CAVRA_CONNECTOR_CONFIG). A file that
        /// cannot be used is the terminating error ConnectorConfigInvalid: nothing is sent on a half-read config. Its message
        /// never holds a secret (docs/design/notifications.md §11).</summary>
        protected ConnectorConfig ReadConnectorConfig()
        {
            string path = FullPath(Config.ConnectorConfigPath, "ConnectorConfigNotConfigured",
                "No connector config is configured: give -ConnectorConfigPath, connector_config_path in the settings file, or CAVRA_CONNECTOR_CONFIG.");
            var config = ConnectorConfig.Read(Files(), path, Environment.GetEnvironmentVariable);
            if (!config.Readable)
                ThrowTerminatingError(new ErrorRecord(new InvalidDataException(config.Message), "ConnectorConfigInvalid", ErrorCategory.InvalidData, path));
            foreach (var c in config.Connectors)
                WriteVerbose(c.Valid ? $"Connector {c.Provider}: {c.DisplayUrl} (timeout {c.TimeoutSeconds} s, {c.MaxAttempts} attempts)" : c.Message);
            return config;
        }
    }
}
