# The child-process helper the process-level tests use (ChildProcess.psm1): it retries a start only when the .NET
# runtime died before the child's script ran, reports that retry, and never retries anything else.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1') -Force
}

Describe 'Invoke-CavraChildPwsh' {
    It 'returns the output, exit code and error text of a child that runs' {
        $child = Invoke-CavraChildPwsh -Script "'one'; 'two'; [Console]::Error.WriteLine('to stderr'); exit 3"
        $child.ExitCode | Should -Be 3
        $child.Output | Should -Be @('one', 'two')
        $child.Error | Should -Match 'to stderr'
    }

    It 'retries once, and says so, when the runtime dies before the script runs; then fails' {
        # A GC heap limit too small for the runtime to start: 'Failed to create CoreCLR' on every attempt.
        $reports = [System.Collections.Generic.List[string]]::new()
        $thrown = $null
        try { Invoke-CavraChildPwsh -Script "'never'" -Environment @{ DOTNET_GCHeapHardLimit = '0x100000' } 6>&1 | ForEach-Object { $reports.Add("$_") } }
        catch { $thrown = $_ }
        "$thrown" | Should -BeLike '*ended before running its script*Failed to create CoreCLR*'
        @($reports | Where-Object { $_ -like 'warning: the child pwsh died in the .NET runtime before running its script*' }).Count | Should -Be 1
    }

    It 'never retries a child that fails for another reason before its script runs' {
        $reports = [System.Collections.Generic.List[string]]::new()
        $thrown = $null
        try { Invoke-CavraChildPwsh -Script 'if (' 6>&1 | ForEach-Object { $reports.Add("$_") } }
        catch { $thrown = $_ }
        "$thrown" | Should -BeLike '*ended before running its script*'
        $reports | Should -BeNullOrEmpty
    }

    It 'never retries a child that crashes after its script started' {
        $child = Invoke-CavraChildPwsh -Script "[Environment]::FailFast('deliberate')" 6>&1
        $child | Where-Object { $_ -is [string] -or $_ -is [System.Management.Automation.InformationRecord] } | Should -BeNullOrEmpty
        $result = $child | Where-Object { $_.PSObject.Properties['ExitCode'] }
        $result.ExitCode | Should -Not -Be 0
        $result.Error | Should -Match 'deliberate'
    }
}
