using System.Management.Automation;
using Cavra.Gate.Notifications;

namespace Cavra.PowerShell.Tests;

/// <summary>The notification cmdlets hosted in-process (docs/design/notifications.md §1): which ones write (ShouldProcess),
/// binding by property name, output types and error ids, over a ledger written with the engine's own records (no HTTP here;
/// tests/pester/Notifications.Tests.ps1 sends over real HTTP).</summary>
public class NotificationCmdletTests : IClassFixture<ModuleHost>
{
    private readonly ModuleHost _host;
    public NotificationCmdletTests(ModuleHost host) { _host = host; }

    private (string Ledger, DeliveryRecord Failed) LedgerWithAFailedDelivery()
    {
        string ledger = Path.Combine(_host.Temp, Guid.NewGuid() + ".jsonl");
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        var failed = DeliveryRecord.Create("gordn-0000000000000001", "gordroute-0000000000000001", "drill_schedule", "release-governance", "slack",
            "cavra.go_backend.rollback_drill.notification", new[] { new DeliveryAttempt(1, 500, "http_500", at, 12) }, false, at, null, "http_500");
        NotificationLedger.Append(ledger, new INotificationRecord[] { failed });
        return (ledger, failed);
    }

    [Theory]
    [InlineData("Send-CavraRollbackDrillNotification", true, ConfirmImpact.Medium)]
    [InlineData("Approve-CavraDeliveryRetry", true, ConfirmImpact.Medium)]
    [InlineData("Deny-CavraDeliveryRetry", true, ConfirmImpact.Medium)]
    [InlineData("Invoke-CavraDeliveryRetry", true, ConfirmImpact.Medium)]
    [InlineData("New-CavraConnectorRecoveryClosure", true, ConfirmImpact.Medium)]
    [InlineData("Get-CavraNotificationDelivery", false, ConfirmImpact.Medium)]
    [InlineData("Get-CavraConnectorRecovery", false, ConfirmImpact.Medium)]
    public void Writers_and_only_writers_support_ShouldProcess(string name, bool writes, ConfirmImpact impact)
    {
        var info = (CmdletInfo)_host.Run($"Get-Command {name}").Single().BaseObject;
        var attribute = (CmdletAttribute)info.ImplementingType.GetCustomAttributes(typeof(CmdletAttribute), false).Single();
        Assert.Equal(writes, attribute.SupportsShouldProcess);
        if (writes) Assert.Equal(impact, attribute.ConfirmImpact);
    }

    [Fact]
    public void Deliveries_bind_into_approvals_by_property_name_and_decisions_are_written()
    {
        var (ledger, failed) = LedgerWithAFailedDelivery();
        var output = _host.Run($"Get-CavraNotificationDelivery -Failed -LedgerPath '{ledger}' | Approve-CavraDeliveryRetry -DecidedBy alice -LedgerPath '{ledger}'");
        var decision = Assert.IsType<RetryApprovalDecision>(Assert.Single(output).BaseObject);
        Assert.Equal(failed.DeliveryId, decision.DeliveryId);
        Assert.Equal("slack", decision.Provider);
        Assert.Equal(2, File.ReadAllLines(ledger).Length);

        // Snake_case names bind too (records read back with ConvertFrom-Json).
        output = _host.Run($"Get-Content '{ledger}' -TotalCount 1 | ConvertFrom-Json | Deny-CavraDeliveryRetry -DecidedBy bob -LedgerPath '{ledger}'");
        Assert.Equal("denied", Assert.IsType<RetryApprovalDecision>(Assert.Single(output).BaseObject).ApprovalState);
    }

    [Fact]
    public void A_retry_without_an_approval_is_RetryNotAuthorized_with_the_skipped_record_as_its_target()
    {
        var (ledger, failed) = LedgerWithAFailedDelivery();
        string config = Path.Combine(_host.Temp, Guid.NewGuid() + ".json");
        File.WriteAllText(config, "{\"connectors\": [{\"provider\": \"slack\", \"url\": \"http://127.0.0.1:9/hook\", \"retries\": 0}]}");
        var output = _host.Run($"Invoke-CavraDeliveryRetry {failed.DeliveryId} -ExecutedBy ops -ConnectorConfigPath '{config}' -LedgerPath '{ledger}'", out var errors);
        Assert.Empty(output);
        var error = Assert.Single(errors);
        Assert.Equal("RetryNotAuthorized,Cavra.PowerShell.Commands.InvokeCavraDeliveryRetryCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal("skipped", Assert.IsType<RetryExecutionRecord>(error.TargetObject).ExecutionStatus);
    }

    [Theory]
    [InlineData("New-CavraConnectorRecoveryClosure -Provider slack -ClosureState closed -ClosedBy a -VerificationRef x", "ParameterArgumentValidationError")]
    [InlineData("Approve-CavraDeliveryRetry -DeliveryId x -Provider slack -DecidedBy ''", "ParameterArgumentValidationError")]
    [InlineData("Get-CavraNotificationDelivery -Since 'not a time'", "ParameterArgumentTransformationError")]
    public void Bad_arguments_are_binding_errors(string script, string id)
    {
        Assert.StartsWith(id + ",", _host.Fails(script).FullyQualifiedErrorId);
    }

    [Fact]
    public void Without_a_ledger_anywhere_the_readers_stop_with_NotificationLedgerNotConfigured()
    {
        Assert.StartsWith("NotificationLedgerNotConfigured,", _host.Fails("Get-CavraConnectorRecovery").FullyQualifiedErrorId);
    }
}
