@{
    # The version is stamped by build.ps1 from Directory.Build.props, the one version source.
    ModuleVersion          = '0.0.0'
    RootModule             = 'Cavra.PowerShell.dll'
    # No RequiredAssemblies: the module's initializer loads the engine (Cavra.Gate.dll), choosing the ReadyToRun copy in
    # Core/linux-x64 where it fits (see ModuleInitializer).
    GUID                   = '6f1d8f0e-4b8c-4b7e-9a55-1c2f0b7d9e31'
    Author                 = 'Cavra.PowerShell contributors'
    CompanyName            = 'CAVRA'
    Copyright              = '(c) Cavra.PowerShell contributors. MIT License.'
    Description            = 'Decides, with evidence a security reviewer and an auditor accept, whether CAVRA''s Go enforcement runtime may take over from the authoritative built-in .NET engine, and proves every fallback was safe.'
    # Windows PowerShell 5.1 (Desktop) or PowerShell 7.6+ (Core; 7.4 and 7.5 are out of support). The manifest can state
    # only one minimum, 5.1; on Core, the module's initializer refuses a pwsh older than 7.6 (.NET 10) with a clear message.
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Desktop', 'Core')
    FormatsToProcess       = @('Cavra.PowerShell.Format.ps1xml')
    TypesToProcess         = @('Cavra.PowerShell.Types.ps1xml')
    CmdletsToExport        = @(
        'Get-CavraGoBackendConfig'
        'Test-CavraGoPromotion'
        'Invoke-CavraGoPilotEvaluate'
        'New-CavraPromotionEvidence'
        'New-CavraRollbackPlan'
        'New-CavraRollbackRehearsal'
        'Add-CavraRollbackDrill'
        'Get-CavraProductionReadiness'
        'Get-CavraGoReadinessReport'
        'Start-CavraReadinessApi'
        'Stop-CavraReadinessApi'
        'Export-CavraReadinessReport'
        'Send-CavraRollbackDrillNotification'
        'Get-CavraNotificationDelivery'
        'Approve-CavraDeliveryRetry'
        'Deny-CavraDeliveryRetry'
        'Invoke-CavraDeliveryRetry'
        'New-CavraConnectorRecoveryClosure'
        'Get-CavraConnectorRecovery'
        'Get-CavraReadinessPack'
        'Start-CavraGoRuntimeDaemon'
        'Stop-CavraGoRuntimeDaemon'
        'Get-CavraGoRuntimeDaemon'
        'Get-CavraGoPilotJournal'
        'Measure-CavraGoParity'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('CAVRA', 'Governance', 'AI', 'Agents', 'Policy', 'Promotion', 'Rollback', 'PSEdition_Core', 'PSEdition_Desktop')
            ProjectUri   = 'https://github.com/cavra/Cavra.PowerShell'
            LicenseUri   = 'https://github.com/cavra/Cavra.PowerShell/blob/main/LICENSE'
            # Stamped by build.ps1: ReleaseNotes from CHANGELOG.md's entry for this version, Prerelease ('preview') below 1.0,
            # and PSIncludes_Cmdlet plus a PSCommand_<name> tag per exported cmdlet added to Tags.
            ReleaseNotes = ''
            Prerelease   = ''
        }
    }
}
