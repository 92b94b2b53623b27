# Every example a user can copy from the module's help: the examples of Get-Help -Full for each exported cmdlet, and the
# powershell code blocks of the about topics (their source in docs/en-US, as the compiled text keeps no code fences).
# Shared by HelpExamples.Tests.ps1 (which names one test per example) and Invoke-HelpExamples.ps1 (which runs them).

function Get-CavraHelpExample {
    param(
        [Parameter(Mandatory)] [System.Management.Automation.PSModuleInfo] $Module,
        [Parameter(Mandatory)] [string] $DocsPath
    )
    foreach ($cmdlet in $Module.ExportedCmdlets.Values | Sort-Object Name) {
        $help = Get-Help -Name $cmdlet.Name -Full -ErrorAction Stop
        $index = 0
        foreach ($ex in @($help.examples.example)) {
            $index++
            [pscustomobject]@{
                Key   = '{0} #{1}' -f $cmdlet.Name, $index
                Page  = $cmdlet.Name
                Index = $index
                Title = ([string] $ex.title).Trim('- ').Trim()
                Code  = ([string] $ex.code).Trim()
            }
        }
    }
    foreach ($about in Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md' -File | Sort-Object Name) {
        $index = 0
        $text = [IO.File]::ReadAllText($about.FullName) -replace "`r`n", "`n"
        foreach ($m in [regex]::Matches($text, '(?ms)^```powershell[ \t]*\n(.*?)^```')) {
            $index++
            [pscustomobject]@{
                Key   = '{0} #{1}' -f $about.BaseName, $index
                Page  = $about.BaseName
                Index = $index
                Title = 'code block'
                Code  = $m.Groups[1].Value.Trim()
            }
        }
    }
}

Export-ModuleMember -Function Get-CavraHelpExample
