BeforeAll {
    if (-not $env:CAVRA_MODULE_MANIFEST) { throw 'CAVRA_MODULE_MANIFEST must name the assembled module (build.ps1 -Task Test sets it).' }
    Import-Module $env:CAVRA_MODULE_MANIFEST -Force
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:savedEnv = Save-CavraEnvironment
}
AfterAll {
    Restore-CavraEnvironment $script:savedEnv
}

Describe 'Export-CavraReadinessReport' {
    BeforeEach {
        Clear-CavraEnvironment
        $dir = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        $gate = New-CavraTestEvidenceSet -Path $dir
        $report = Join-Path $dir 'report.html'
    }

    Context 'evaluating the gate from its configuration' {
        It 'writes one HTML page with the verdict and every check, and returns the file' {
            $file = Export-CavraReadinessReport -Path $report @gate
            $file | Should -BeOfType [System.IO.FileInfo]
            $file.FullName | Should -Be $report
            $file.PSPath | Should -Not -BeNullOrEmpty     # from the FileSystem provider: formats like Get-Item's output
            $html = Get-Content -Raw -LiteralPath $report
            $html | Should -BeLike '<!DOCTYPE html>*'
            $html | Should -Match 'GO: promoted mode selects the Go runtime'
            foreach ($check in (Test-CavraGoPromotion @gate).Steps.Checks) { $html | Should -Match ([regex]::Escape("<td class=`"id`">$($check.Id)</td>")) }
        }

        It 'says NO GO and names the first failing step and its blocking checks' {
            Remove-Item $gate.RollbackRehearsalPath
            Export-CavraReadinessReport -Path $report @gate | Out-Null
            $html = Get-Content -Raw -LiteralPath $report
            $html | Should -Match 'NO GO: the built-in .NET backend stays authoritative'
            $html | Should -Match '<dt>First failing step</dt><dd>rollback_rehearsal</dd>'
            $html | Should -Match 'metadata file is missing'
        }

        It 'reads CAVRA_GO_* like Test-CavraGoPromotion' {
            $env:CAVRA_GO_BACKEND_MODE = 'shadow'
            $gate.Remove('Mode')
            Export-CavraReadinessReport -Path $report @gate | Out-Null
            Get-Content -Raw -LiteralPath $report | Should -Match '<dt>Configured mode</dt><dd>shadow</dd>'
        }

        It 'resolves a PowerShell path (TestDrive:, relative to $PWD) and creates a missing folder' {
            Push-Location TestDrive:\
            try { $file = Export-CavraReadinessReport -Path './reports/nested/chg.html' @gate }
            finally { Pop-Location }
            $file.FullName | Should -Be (Join-Path $TestDrive 'reports/nested/chg.html')
            Test-Path -LiteralPath $file.FullName | Should -BeTrue
        }
    }

    Context 'a verdict from the pipeline' {
        It 'renders the verdict it is given, not a new evaluation' {
            $verdict = Test-CavraGoPromotion @gate
            Start-Sleep -Milliseconds 1100
            $verdict | Export-CavraReadinessReport -Path $report | Out-Null
            Get-Content -Raw -LiteralPath $report | Should -Match ([regex]::Escape($verdict.EvaluatedAt.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss')))
        }

        It 'refuses configuration parameters with a piped verdict' {
            { Test-CavraGoPromotion @gate | Export-CavraReadinessReport -Path $report -Mode Shadow } |
                Should -Throw -ErrorId 'ConfigurationWithInputObject,Cavra.PowerShell.Commands.ExportCavraReadinessReportCommand'
            Test-Path -LiteralPath $report | Should -BeFalse
        }

        It 'writes the first of several piped verdicts and reports the rest as errors' {
            $shadow = @{} + $gate; $shadow.Mode = 'Shadow'
            $out = @(Test-CavraGoPromotion @gate; Test-CavraGoPromotion @shadow) | Export-CavraReadinessReport -Path $report -ErrorVariable errs -ErrorAction SilentlyContinue
            @($out) | Should -HaveCount 1
            $errs[0].FullyQualifiedErrorId | Should -Be 'MultipleVerdicts,Cavra.PowerShell.Commands.ExportCavraReadinessReportCommand'
            Get-Content -Raw -LiteralPath $report | Should -Match 'GO: promoted mode selects the Go runtime'
        }
    }

    Context 'writing safely' {
        It 'does not replace an existing file without -Force' {
            Set-Content -LiteralPath $report -Value 'earlier'
            $out = Export-CavraReadinessReport -Path $report @gate -ErrorVariable errs -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'ReportFileExists,Cavra.PowerShell.Commands.ExportCavraReadinessReportCommand'
            $errs[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            (Get-Content -Raw -LiteralPath $report).Trim() | Should -Be 'earlier'
            Export-CavraReadinessReport -Path $report @gate -Force | Should -Not -BeNullOrEmpty
            Get-Content -Raw -LiteralPath $report | Should -BeLike '<!DOCTYPE html>*'
        }

        It '-WhatIf writes and returns nothing' {
            Export-CavraReadinessReport -Path $report @gate -WhatIf | Should -BeNullOrEmpty
            Test-Path -LiteralPath $report | Should -BeFalse
        }

        It 'refuses a folder as the target' {
            Export-CavraReadinessReport -Path $dir @gate -Force -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].FullyQualifiedErrorId | Should -Be 'ReportPathIsDirectory,Cavra.PowerShell.Commands.ExportCavraReadinessReportCommand'
        }
    }

    Context 'untrusted evidence text' {
        It 'HTML-encodes a <script> carried in a check message and the title' {
            # The duplicate key is echoed in the go_parity_evidence check's message.
            Set-Content -LiteralPath $gate.PromotionEvidencePath -Value '{"<script>alert(1)</script>": 1, "<script>alert(1)</script>": 2}'
            $verdict = Test-CavraGoPromotion @gate
            ($verdict.AttentionChecks | Where-Object Id -eq 'go_parity_evidence').Message | Should -Match '<script>alert\(1\)</script>'
            $verdict | Export-CavraReadinessReport -Path $report -Title 'CHG-7 <script>x</script>' | Out-Null
            $html = Get-Content -Raw -LiteralPath $report
            $html | Should -Not -Match '<script'
            $html | Should -Match '&lt;script&gt;alert\(1\)&lt;/script&gt;'
            $html | Should -Match '<h1>CHG-7 &lt;script&gt;x&lt;/script&gt;</h1>'
        }

        It 'is self-contained: no script, link, image or external reference' {
            Remove-Item $gate.RollbackPlanPath
            Export-CavraReadinessReport -Path $report @gate | Out-Null
            $html = Get-Content -Raw -LiteralPath $report
            $html | Should -Not -Match '<(script|link|img|iframe|object|embed)\b'
            $html | Should -Not -Match '\b(src|href)\s*='
            $html | Should -Not -Match 'url\(|@import'
            $html | Should -Match "default-src 'none'"
        }
    }

    It 'declares its output type and supports -WhatIf and -Confirm' {
        $command = Get-Command Export-CavraReadinessReport
        $command.OutputType.Name | Should -Contain 'System.IO.FileInfo'
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }
}
