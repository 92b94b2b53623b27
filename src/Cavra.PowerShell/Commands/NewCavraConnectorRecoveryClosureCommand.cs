using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Cavra.Gate.Notifications;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Records a provider's outage as resolved, mitigated, deferred, escalated or reopened (docs/design/notifications.md §8).
    /// The closure must cite delivered retry executions of the same provider whose hashes verify; otherwise it is refused with
    /// ClosureNotVerified and nothing is written. Execution records piped in are gathered per provider: one closure per
    /// provider at the end of the pipeline, citing all of them.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "CavraConnectorRecoveryClosure", SupportsShouldProcess = true)]
    [OutputType(typeof(ConnectorRecoveryClosure))]
    public sealed class NewCavraConnectorRecoveryClosureCommand : NotificationCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [ValidateNotNullOrEmpty] public string Provider { get; set; } = "";

        [Parameter(Mandatory = true)] [Alias("closure_state")] [ValidateSet("resolved", "mitigated", "deferred", "escalated", "reopened")]
        public string ClosureState { get; set; } = "";

        [Parameter(Mandatory = true)] [Alias("closed_by")] [ValidateNotNullOrEmpty] public string ClosedBy { get; set; } = "";

        /// <summary>Retry execution ids (gordackretryexec-…) that show delivery works again.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)] [Alias("ExecutionId", "verification_refs")] [ValidateNotNullOrEmpty]
        public string[] VerificationRef { get; set; } = Array.Empty<string>();

        [Parameter] [Alias("external_ref")] [ValidateNotNullOrEmpty] public string ExternalRef { get; set; } = "";

        // Provider → refs, in the order first seen.
        private readonly List<KeyValuePair<string, List<string>>> _refs = new List<KeyValuePair<string, List<string>>>();

        protected override void ProcessRecord()
        {
            var entry = _refs.FirstOrDefault(p => p.Key == Provider);
            if (entry.Key == null) { entry = new KeyValuePair<string, List<string>>(Provider, new List<string>()); _refs.Add(entry); }
            foreach (var r in VerificationRef) if (!entry.Value.Contains(r)) entry.Value.Add(r);
        }

        protected override void EndProcessing()
        {
            if (_refs.Count == 0) return;
            string ledger = Ledger;
            foreach (var (provider, refs) in _refs.Select(p => (p.Key, p.Value)))
            {
                var contents = ReadLedgerForAppend(ledger);
                if (contents == null) return;
                string? refusal = ConnectorRecoveryClosure.Verify(contents, provider, refs);
                if (refusal != null)
                {
                    WriteError(new ErrorRecord(new InvalidDataException(refusal), "ClosureNotVerified", ErrorCategory.InvalidData, provider));
                    continue;
                }
                var closure = ConnectorRecoveryClosure.Create(provider, ClosureState.ToLowerInvariant(), ClosedBy, Clock.GetUtcNow(), refs, ExternalRef);
                if (!ShouldProcess($"connector {provider}", $"Record a {closure.ClosureState} recovery closure citing {string.Join(", ", refs)}")) continue;
                if (Append(ledger, closure)) WriteObject(closure);
            }
        }
    }
}
