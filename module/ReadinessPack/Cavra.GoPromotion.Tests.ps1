<#
.SYNOPSIS
    The Go backend promotion gate as Pester tests, for change windows: one Describe per gate step in gate order, one It
    per check named after its check id, and one It per step for the step's status.
.EXAMPLE
    $container = New-PesterContainer -Path (Get-CavraReadinessPack) -Data @{ Parameters = @{ Mode = 'Promoted' } }
    Invoke-Pester -Container $container -Output Detailed
.NOTES
    Parameters is splatted onto Test-CavraGoPromotion; leave it empty to use the CAVRA_GO_* environment.
#>
param([hashtable] $Parameters = @{})

BeforeDiscovery {
    if (-not (Get-Command Test-CavraGoPromotion -ErrorAction SilentlyContinue)) {
        Import-Module (Join-Path $PSScriptRoot '../Cavra.PowerShell.psd1') -ErrorAction Stop
    }
    # Evaluated once, at discovery: every It reports on the same snapshot of the evidence.
    $verdict = Test-CavraGoPromotion @Parameters
    $steps = foreach ($section in $verdict.Sections) {
        if ($section.Section -eq 'rollback_drill_schedule' -and -not $verdict.ScheduleInGate) { continue }
        @{
            Section = $section.Section
            Status  = [string] $section.Status
            Accept  = if ($section.Section -eq 'rollback_drill_schedule') { @('Ready', 'DueSoon') } else { @('Ready') }
            Checks  = @(foreach ($c in $section.Checks) { @{ Id = $c.Id; Status = [string] $c.Status; Message = $c.Message } })
        }
    }
    $summary = @{ GoSelected = $verdict.GoSelected; Summary = $verdict.Summary; Mode = [string] $verdict.Mode }
}

Describe 'Go backend promotion gate' {
    It 'promoted mode selects the Go runtime' -ForEach @($summary) {
        $GoSelected | Should -BeTrue -Because $Summary
    }

    Describe '<Section>' -ForEach $steps {
        It 'step <Section> is ready' {
            $Status | Should -BeIn $Accept -Because "the $Section section must be ready before promoted mode may select Go"
        }

        It '<Id>' -ForEach $Checks {
            $Status | Should -Be 'Pass' -Because $Message
        }
    }
}
