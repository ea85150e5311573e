# Module manifest for OpenMsiStream.
# ModuleVersion below is the single source of the product version: Directory.Build.props reads it
# for every assembly, so change it here and nowhere else.
@{
    RootModule           = 'OpenMsiStream.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Desktop', 'Core')
    GUID                 = '5c0f2a57-0a53-4a47-9d3e-6f5c1d7e2b41'
    Author               = 'OpenMsiStream for PowerShell contributors'
    CompanyName          = 'OpenMsiStream for PowerShell'
    Copyright            = '(c) OpenMsiStream for PowerShell contributors. All rights reserved.'
    Description          = 'Streams laboratory data files through Apache Kafka: chunked, verified, wire-compatible with OpenMSIStream.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    # Imported before RootModule: it makes Core and the third-party assemblies in dependencies/ load in
    # a load context of the module's own (PowerShell 7) or through AssemblyResolve (Windows PowerShell
    # 5.1). It must run before PowerShell reads the cmdlet assembly, whose parameters use Core's types.
    # Nothing from dependencies/ may be listed here or in RequiredAssemblies: that would load it into
    # PowerShell's default context, where other modules' copies live (docs/architecture.md, "Loading").
    NestedModules        = @('OpenMsiStream.PowerShell.Loader.dll')
    FormatsToProcess     = @('OpenMsiStream.Format.ps1xml')
    # For best performance, do not use wildcards in the export lists.
    CmdletsToExport      = @(
        'Send-MsiDataFile'
        'Receive-MsiDataFile'
        'Start-MsiUploadDirectory'
        'Get-MsiUploadState'
        'Get-MsiTopicFile'
        'Get-MsiConsumerLag'
        'Start-MsiLocalBroker'
        'Stop-MsiLocalBroker'
        'Get-MsiLocalBroker'
        'Test-MsiConnection'
        'Invoke-MsiStreamProcessor'
        'Start-MsiS3Transfer'
        'Register-MsiService'
        'Unregister-MsiService'
        'Get-MsiService'
        'Start-MsiService'
        'Stop-MsiService'
        'Restart-MsiService'
        'Receive-MsiHeartbeat'
        'New-MsiCryptoNode'
        'Send-MsiUndecryptableMessage'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Kafka', 'OpenMSIStream', 'Laboratory', 'Streaming', 'KafkaCrypto', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            # Placeholders until the project has its public home (see CHANGELOG.md).
            ProjectUri   = 'https://example.org/openmsistream-powershell'
            LicenseUri   = 'https://example.org/openmsistream-powershell/LICENSE'
            ReleaseNotes = 'First release: send, receive and watch directories of lab data files through Kafka, wire-compatible with OpenMSIStream; processors, S3 transfer, services, heartbeats, KafkaCrypto encryption. See CHANGELOG.md.'
            RequireLicenseAcceptance = $false
        }
    }
}
