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
    # Core is loaded before the cmdlet assembly: some of the module's classes derive from Core's
    # (a script block handler is a Core FileHandler), and PowerShell reads every class of the cmdlet
    # assembly before the module's initializer can point the runtime at dependencies/.
    RequiredAssemblies   = @('dependencies/OpenMsiStream.Core.dll')
    FormatsToProcess     = @('OpenMsiStream.Format.ps1xml')
    # For best performance, do not use wildcards in the export lists.
    CmdletsToExport      = @(
        'Send-MsiDataFile'
        'Receive-MsiDataFile'
        'Start-MsiUploadDirectory'
        'Get-MsiUploadState'
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
