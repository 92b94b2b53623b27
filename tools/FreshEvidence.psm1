# One fresh, complete evidence set from examples/evidence, shared by the Pester fixtures and the benchmarks:
# the deployment metadata goes into a package folder, and the two time-relative fields are re-stamped against
# the real clock (the latest drill an hour ago, the next drill due in 30 days), as upstream's own tests do.

function Copy-CavraFreshEvidence {
    param([Parameter(Mandatory)] [string] $Path)
    $examples = Join-Path $PSScriptRoot '../examples/evidence'
    $package = Join-Path $Path 'package'
    New-Item -ItemType Directory -Force -Path $package | Out-Null
    $deploymentFiles = 'cavra-runtime.endpoint-deployment.json', 'cavra-runtime.ci-runner-bundles.json', 'cavra-runtime.channels.json', 'cavra-runtime.updater-policy.json'
    foreach ($file in Get-ChildItem -LiteralPath $examples -Filter *.json) {
        Copy-Item -LiteralPath $file.FullName -Destination (Join-Path ($file.Name -in $deploymentFiles ? $package : $Path) $file.Name)
    }
    $now = [DateTimeOffset]::UtcNow
    $drills = Join-Path $Path 'cavra-runtime.go-backend-rollback-drills.json'
    (Get-Content -LiteralPath $drills -Raw) -replace '"executed_at": "[^"]*"', ('"executed_at": "{0}"' -f $now.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'")) |
        Set-Content -LiteralPath $drills -NoNewline
    $schedule = Join-Path $Path 'cavra-runtime.go-backend-rollback-drill-schedule.json'
    (Get-Content -LiteralPath $schedule -Raw) -replace '"next_due_at": "[^"]*"', ('"next_due_at": "{0}"' -f $now.AddDays(30).ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'")) |
        Set-Content -LiteralPath $schedule -NoNewline
    [pscustomobject]@{ Folder = $Path; PackageDir = $package; DrillHistory = $drills; DrillSchedule = $schedule }
}

Export-ModuleMember -Function Copy-CavraFreshEvidence
