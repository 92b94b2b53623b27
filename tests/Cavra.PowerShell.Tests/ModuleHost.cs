using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // the cmdlets read CAVRA_GO_* from the process environment

namespace Cavra.PowerShell.Tests;

/// <summary>
/// One runspace with the module imported from this project's output (the cmdlet assemblies beside the manifest, format
/// and type files), shared by a test class. Every test runs its own pipeline in it with CAVRA_GO_* cleared.
/// </summary>
public sealed class ModuleHost : IDisposable
{
    public static readonly string Manifest = Path.Combine(AppContext.BaseDirectory, "Cavra.PowerShell.psd1");
    private readonly Runspace _runspace;

    public ModuleHost()
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Manifest);
        _runspace = RunspaceFactory.CreateRunspace(state);
        _runspace.Open();
        Temp = Directory.CreateTempSubdirectory("cavra-sdk-tests-").FullName;
    }

    /// <summary>A folder removed with the host.</summary>
    public string Temp { get; }

    /// <summary>Runs <paramref name="script"/>; returns its output and the error records it wrote.</summary>
    public Collection<PSObject> Run(string script, out IReadOnlyList<ErrorRecord> errors, IDictionary<string, object?>? variables = null)
    {
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if (((string)e.Key).StartsWith("CAVRA_GO_", StringComparison.Ordinal) || (string)e.Key == "CAVRA_CONNECTOR_CONFIG") Environment.SetEnvironmentVariable((string)e.Key, null);
        using var ps = System.Management.Automation.PowerShell.Create();
        ps.Runspace = _runspace;
        foreach (var v in variables ?? new Dictionary<string, object?>()) _runspace.SessionStateProxy.SetVariable(v.Key, v.Value);
        ps.AddScript(script);
        var output = ps.Invoke();
        errors = ps.Streams.Error.ToList();
        return output;
    }

    /// <summary>Runs <paramref name="script"/> and expects no error.</summary>
    public Collection<PSObject> Run(string script, IDictionary<string, object?>? variables = null)
    {
        var output = Run(script, out var errors, variables);
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        return output;
    }

    /// <summary>The one error <paramref name="script"/> writes (a binding error stops the command, not the script).</summary>
    public ErrorRecord Fails(string script)
    {
        var output = Run(script, out var errors);
        Assert.Empty(output);
        return Assert.Single(errors);
    }

    public void Dispose()
    {
        _runspace.Dispose();
        try { Directory.Delete(Temp, true); } catch (IOException) { }
    }
}
