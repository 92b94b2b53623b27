using System;
using System.Collections;
using System.IO;
using System.Management.Automation;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// The Pester readiness pack shipped in the module (ReadinessPack/Cavra.GoPromotion.Tests.ps1): the promotion gate as
    /// Pester tests, one Describe per gate step and one It per check, for change windows that run Invoke-Pester and
    /// publish NUnit or JUnit XML. By default returns a Pester container carrying this call's gate configuration;
    /// -AsFile returns the test file itself.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CavraReadinessPack", DefaultParameterSetName = ContainerSet)]
    [OutputType("Pester.ContainerInfo", ParameterSetName = new[] { ContainerSet })]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { FileSet })]
    public sealed class GetCavraReadinessPackCommand : GateConfigurationCmdlet
    {
        private const string ContainerSet = "Container";
        private const string FileSet = "File";

        /// <summary>The pack file's name inside the module folder.</summary>
        public const string PackRelativePath = "ReadinessPack/Cavra.GoPromotion.Tests.ps1";

        /// <summary>Also require the configured mode to select Go (promoted mode with every step passing), not only a passing gate.</summary>
        [Parameter(ParameterSetName = ContainerSet)]
        public SwitchParameter RequireGoSelected { get; set; }

        /// <summary>Return the pack's test file instead of a Pester container; the pack then reads CAVRA_GO_* or container data you pass.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FileSet)]
        public SwitchParameter AsFile { get; set; }

        protected override void EndProcessing()
        {
            string moduleBase = System.IO.Path.GetDirectoryName(typeof(GetCavraReadinessPackCommand).Assembly.Location)!;
            string pack = System.IO.Path.Combine(moduleBase, PackRelativePath.Replace('/', System.IO.Path.DirectorySeparatorChar));
            if (!File.Exists(pack))
                ThrowTerminatingError(new ErrorRecord(new FileNotFoundException("The readiness pack is not part of this module build: " + pack, pack),
                    "ReadinessPackNotFound", ErrorCategory.ObjectNotFound, pack));

            if (AsFile)
            {
                foreach (var name in MyInvocation.BoundParameters.Keys)
                    if (GateConfigurationParameters.IsConfigurationParameter(name))
                        ThrowTerminatingError(new ErrorRecord(
                            new PSArgumentException($"-{name} is carried by a Pester container; -AsFile returns only the file. Omit -AsFile, or pass the configuration as container data."),
                            "ConfigurationWithAsFile", ErrorCategory.InvalidArgument, name));
                // Through the FileSystem provider, so the FileInfo carries PSPath and friends and formats like Get-Item's.
                foreach (var item in SessionState.InvokeProvider.Item.Get(new[] { pack }, false, true)) WriteObject(item);
                return;
            }

            var data = ContainerData();
            foreach (DictionaryEntry e in data) WriteVerbose($"Pack data: {e.Key} = '{e.Value}'");
            var script = InvokeCommand.NewScriptBlock(
                "param($Path, $Data) " +
                "$command = Get-Command -Name New-PesterContainer -CommandType Function, Cmdlet -ErrorAction Ignore | Select-Object -First 1; " +
                "if (-not $command) { return } " +
                "New-PesterContainer -Path $Path -Data $Data");
            var result = script.Invoke(pack, data);
            if (result.Count == 0 || result[0] == null)
                ThrowTerminatingError(new ErrorRecord(
                    new PSInvalidOperationException("New-PesterContainer is not available: import Pester 5 or later (Import-Module Pester -MinimumVersion 5.0), or use -AsFile and pass container data yourself."),
                    "PesterNotAvailable", ErrorCategory.ObjectNotFound, "Pester"));
            foreach (var container in result) WriteObject(container);
        }

        /// <summary>The bound configuration parameters, paths resolved against $PWD now (the pack may run elsewhere later).
        /// Unbound ones are left out, so the pack falls back to CAVRA_GO_* and the defaults exactly as Test-CavraGoPromotion does.</summary>
        private Hashtable ContainerData()
        {
            var data = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var name in GateConfigurationParameters.Names)
            {
                if (!MyInvocation.BoundParameters.TryGetValue(name, out var value)) continue;
                if (value is string text && GateConfigurationParameters.TypeOf(name) == typeof(string))
                    value = text.Length == 0 ? "" : SessionState.Path.GetUnresolvedProviderPathFromPSPath(text);
                else if (value is Enum e) value = e.ToString();
                else if (value is SwitchParameter sw) value = sw.IsPresent;
                data[name] = value;
            }
            if (RequireGoSelected) data[nameof(RequireGoSelected)] = true;
            return data;
        }
    }
}
