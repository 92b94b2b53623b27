using System.Management.Automation;
using Cavra.Gate.Configuration;
using Cavra.Gate.Readiness;
using Cavra.Gate.Authoring;

namespace Cavra.PowerShell.Tests;

public class CmdletTests : IClassFixture<ModuleHost>
{
    private readonly ModuleHost _host;
    public CmdletTests(ModuleHost host) { _host = host; }

    [Fact]
    public void Every_exported_cmdlet_declares_output_types_that_resolve()
    {
        var commands = _host.Run("Get-Command -Module Cavra.PowerShell").Select(o => (CmdletInfo)o.BaseObject).ToList();
        var exported = _host.Run($"(Import-PowerShellDataFile '{ModuleHost.Manifest}').CmdletsToExport").Select(o => (string)o.BaseObject);
        Assert.Equal(exported.Order(), commands.Select(c => c.Name).Order());
        foreach (var c in commands)
        {
            Assert.NotEmpty(c.OutputType);
            // A type named only by string (Pester's ContainerInfo) cannot resolve here; every other must.
            foreach (var t in c.OutputType.Where(t => t.Name != "Pester.ContainerInfo")) Assert.True(t.Type != null, $"{c.Name}: {t.Name}");
        }
    }

    [Theory]
    [InlineData("Test-CavraGoPromotion -Mode Disabled", typeof(GateVerdict))]
    [InlineData("Test-CavraGoPromotion -Mode Disabled -Quiet", typeof(bool))]
    [InlineData("Test-CavraGoPromotion -Mode Disabled -AsJson", typeof(string))]
    [InlineData("Get-CavraProductionReadiness", typeof(ProductionReadinessReport))]
    [InlineData("Get-CavraProductionReadiness -AsJson", typeof(string))]
    [InlineData("Get-CavraGoReadinessReport Runtime", typeof(BackendReadinessReport))]
    [InlineData("Get-CavraGoReadinessReport RollbackDrillHistory -AsJson", typeof(string))]
    [InlineData("Get-CavraGoBackendConfig", typeof(ConfigSetting))]
    [InlineData("Get-CavraGoBackendConfig -AsJson", typeof(string))]
    [InlineData("Get-CavraReadinessPack -AsFile", typeof(FileInfo))]
    public void Each_parameter_set_writes_its_declared_type(string script, Type expected)
    {
        var output = _host.Run(script);
        Assert.NotEmpty(output);
        foreach (var o in output) Assert.IsAssignableFrom(expected, o.BaseObject);
        string name = script.Split(' ')[0];
        var declared = _host.Run($"(Get-Command {name}).OutputType.Type").Where(o => o != null).Select(o => (Type)o.BaseObject);
        Assert.Contains(declared, t => t.IsAssignableFrom(expected));
    }

    [Fact]
    public void Quiet_is_false_when_the_gate_is_closed_and_AsJson_is_one_canonical_document()
    {
        Assert.False((bool)_host.Run("Test-CavraGoPromotion -Mode Promoted -Quiet").Single().BaseObject);
        var json = (string)_host.Run("Test-CavraGoPromotion -Mode Disabled -AsJson").Single().BaseObject;
        Assert.StartsWith("{\n  \"", json);
        Assert.Contains("\"mode\": \"disabled\"", json);
    }

    [Fact]
    public void Quiet_and_AsJson_are_different_parameter_sets()
    {
        var error = _host.Fails("Test-CavraGoPromotion -Quiet -AsJson");
        Assert.Equal("AmbiguousParameterSet,Cavra.PowerShell.Commands.TestCavraGoPromotionCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
    }

    [Fact]
    public void A_mode_outside_the_set_is_a_binding_error()
    {
        var error = _host.Fails("Test-CavraGoPromotion -Mode Sideways");
        Assert.Equal("CannotConvertArgumentNoMessage,Cavra.PowerShell.Commands.TestCavraGoPromotionCommand", error.FullyQualifiedErrorId);
        Assert.Contains("Sideways", error.Exception.Message);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
    }

    [Fact]
    public void Environment_variables_are_defaults_and_parameters_override_them()
    {
        Environment.SetEnvironmentVariable("CAVRA_GO_BACKEND_MODE", "shadow");
        try
        {
            var setting = _host.Run("$env:CAVRA_GO_BACKEND_MODE = 'shadow'; Get-CavraGoBackendConfig | Where-Object Name -eq Mode").Single();
            Assert.Equal("shadow", setting.Properties["Value"].Value?.ToString()?.ToLowerInvariant());
            var overridden = _host.Run("$env:CAVRA_GO_BACKEND_MODE = 'shadow'; Get-CavraGoBackendConfig -Mode Disabled | Where-Object Name -eq Mode").Single();
            Assert.Equal("disabled", overridden.Properties["Value"].Value?.ToString()?.ToLowerInvariant());
        }
        finally { Environment.SetEnvironmentVariable("CAVRA_GO_BACKEND_MODE", null); }
    }

    [Fact]
    public void WhatIf_writes_nothing_and_an_existing_file_is_EvidenceFileExists()
    {
        string path = Path.Combine(_host.Temp, Guid.NewGuid() + ".json");
        string plan = $"New-CavraRollbackPlan -Path '{path}' -ApprovalId apr_rb -Approved -MaxRecoveryMinutes 15 -Step 'Set CAVRA_GO_BACKEND_MODE=disabled.'";
        Assert.Empty(_host.Run(plan + " -WhatIf"));
        Assert.False(File.Exists(path));

        var written = _host.Run(plan).Single().BaseObject;
        Assert.IsType<AuthoredEvidence>(written);
        Assert.True(File.Exists(path));
        string before = File.ReadAllText(path);

        _host.Run(plan, out var errors);
        var error = Assert.Single(errors);
        Assert.Equal("EvidenceFileExists,Cavra.PowerShell.Commands.NewCavraRollbackPlanCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public void Drills_bind_from_the_pipeline_by_property_name_including_snake_case_aliases()
    {
        string path = Path.Combine(_host.Temp, Guid.NewGuid() + ".json");
        var output = _host.Run("$drills | Add-CavraRollbackDrill -Path $path", new Dictionary<string, object?>
        {
            ["path"] = path,
            ["drills"] = new[]
            {
                Drill("drill-1", DateTimeOffset.UtcNow.AddDays(-2)),
                Drill("drill-2", DateTimeOffset.UtcNow.AddDays(-1)),
            },
        });
        Assert.NotEmpty(output);
        string history = File.ReadAllText(path);
        Assert.Contains("\"drill_id\": \"drill-1\"", history);
        Assert.Contains("\"drill_id\": \"drill-2\"", history);
        Assert.Contains("\"recovery_minutes\": 7", history);
    }

    private static PSObject Drill(string id, DateTimeOffset at)
    {
        // What Import-Csv of upstream's columns gives: every value a string.
        var o = new PSObject();
        o.Properties.Add(new PSNoteProperty("drill_id", id));
        o.Properties.Add(new PSNoteProperty("executed_at", at.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'")));
        o.Properties.Add(new PSNoteProperty("Status", "pass"));
        o.Properties.Add(new PSNoteProperty("fallback_verified", "true"));
        o.Properties.Add(new PSNoteProperty("recovery_minutes", "7"));
        o.Properties.Add(new PSNoteProperty("max_recovery_minutes", "15"));
        o.Properties.Add(new PSNoteProperty("runbook_ref", "docs/drill.md"));
        o.Properties.Add(new PSNoteProperty("evidence_refs", "go-rollback-drill://ci/" + id));
        return o;
    }

    [Fact]
    public void Export_takes_the_verdict_from_the_pipeline_and_refuses_to_overwrite_without_Force()
    {
        string path = Path.Combine(_host.Temp, Guid.NewGuid() + ".html");
        _host.Run($"Test-CavraGoPromotion -Mode Disabled | Export-CavraReadinessReport -Path '{path}'");
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(path), StringComparison.OrdinalIgnoreCase);
        _host.Run($"Test-CavraGoPromotion -Mode Disabled | Export-CavraReadinessReport -Path '{path}'", out var errors);
        var error = Assert.Single(errors);
        Assert.Equal("ReportFileExists,Cavra.PowerShell.Commands.ExportCavraReadinessReportCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ResourceExists, error.CategoryInfo.Category);
    }

    [Fact]
    public void Pilot_actions_bind_by_property_name_and_keep_input_order()
    {
        var records = _host.Run("$actions | Invoke-CavraGoPilotEvaluate -Mode Disabled", new Dictionary<string, object?>
        {
            ["actions"] = new[] { Action("execute_command", "git status"), Action("read_file", "README.md"), Action("execute_command", "ls") },
        });
        Assert.Equal(3, records.Count);
        Assert.Equal(new[] { "git status", "README.md", "ls" }, records.Select(r => ((dynamic)r.BaseObject).Request.Target).Cast<string>());
    }

    private static PSObject Action(string type, string target)
    {
        var o = new PSObject();
        o.Properties.Add(new PSNoteProperty("action_type", type));
        o.Properties.Add(new PSNoteProperty("Target", target));
        return o;
    }
}
