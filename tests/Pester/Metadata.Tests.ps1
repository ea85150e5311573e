#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Per-file metadata in a real pwsh: Send-MsiDataFile -Metadata to Receive-MsiDataFile, to a script-block
    processor and to a program; the sidecar rule of Start-MsiUploadDirectory -MetadataSidecar; and the
    refusal with KafkaCrypto, with its id.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    Use-OwnHome | Out-Null
    $script:broker = Start-MsiLocalBroker -Partitions 2 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')
    $script:work = New-TestDirectory 'metadata'
}

AfterAll {
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
}

Describe 'Send-MsiDataFile -Metadata' {
    BeforeAll {
        $script:topic = New-TestTopic 'samples'
        $script:file = New-TestFile (Join-Path $work 'XRD 17.raw') 100000 1
        $script:sent = Send-MsiDataFile -LiteralPath $file -Topic $topic -ChunkSize 65536 -Metadata @{ sample = 'STO on Si; "A"'; temperature_K = 77.5; operator = 'M. Curie' }
        $script:received = Receive-MsiDataFile -Topic $topic -Count 1 -IdleTimeout 60
    }

    It 'reaches Receive-MsiDataFile as ReceivedFile.Metadata, values as text' {
        $sent.RelativePath | Should -Be 'XRD 17.raw'
        $received.Metadata['sample'] | Should -Be 'STO on Si; "A"'
        $received.Metadata['temperature_K'] | Should -Be '77.5'
        $received.Metadata['operator'] | Should -Be 'M. Curie'
        @($received.Metadata.Keys) | Should -Be @('operator', 'sample', 'temperature_K')
        [byte[]] $received.Bytes | Should -Be ([IO.File]::ReadAllBytes($file))
    }

    It 'is in the JSON of the received file, as an object' {
        $back = $received | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $back.Metadata.sample | Should -Be 'STO on Si; "A"'
        $back.Metadata.temperature_K | Should -Be '77.5'
    }

    It 'is on the file object a script-block processor gets ($File.Metadata)' {
        $processed = Invoke-MsiStreamProcessor -Topic $topic -Count 1 -IdleTimeout 60 -ScriptBlock {
            param($File)
            [pscustomobject]@{ Sample = $File.Metadata['sample']; Keys = @($File.Metadata.Keys) -join ',' }
        }
        $processed.Status | Should -Be 'Processed'
        $processed.Output[0].Sample | Should -Be 'STO on Si; "A"'
        $processed.Output[0].Keys | Should -Be 'operator,sample,temperature_K'
    }

    It 'is in OPENMSISTREAM_METADATA, as JSON, for a program' {
        $processed = Invoke-MsiStreamProcessor -Topic $topic -Count 1 -IdleTimeout 60 -Command /bin/sh -ArgumentList '-c', 'printf %s "$OPENMSISTREAM_METADATA"'
        $processed.Status | Should -Be 'Processed'
        $metadata = $processed.Output[0] | ConvertFrom-Json
        $metadata.sample | Should -Be 'STO on Si; "A"'
        $metadata.operator | Should -Be 'M. Curie'
        $metadata.temperature_K | Should -Be '77.5'
    }

    It 'over 1 KB is refused before anything is sent (InvalidArgument)' {
        { Send-MsiDataFile -LiteralPath $file -Topic $topic -Metadata @{ notes = 'x' * 2000 } } | Should -Throw -ErrorId 'InvalidArgument,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand'
    }
}

Describe 'Start-MsiUploadDirectory -MetadataSidecar' {
    It 'sends <name>.metadata.json as the metadata of <name>, never as a file of its own' {
        $topic = New-TestTopic 'sidecar'
        $watched = Join-Path $work 'watched'
        New-Item -ItemType Directory -Force (Join-Path $watched 'run 1') | Out-Null
        Set-Content -LiteralPath (Join-Path $watched 'run 1/scan.csv') -Value 'x,y', '1,2'
        Set-Content -LiteralPath (Join-Path $watched 'run 1/scan.csv.metadata.json') -Value '{ "sample": "STO-17", "temperature_K": 77, "calibrated": true }'
        Set-Content -LiteralPath (Join-Path $watched 'plain.csv') -Value 'a,b'
        Set-Content -LiteralPath (Join-Path $watched 'orphan.metadata.json') -Value '{ "sample": "none" }'

        $sent = Start-MsiUploadDirectory -Path $watched -Topic $topic -MetadataSidecar -UploadExisting -SettleTime 1 -Duration 8 -StateDirectory (Join-Path $work 'state')
        $received = Receive-MsiDataFile -Topic $topic -Count 2 -IdleTimeout 30

        $sent.RelativePath | Sort-Object | Should -Be @('plain.csv', 'run 1/scan.csv')
        $received.RelativePath | Sort-Object | Should -Be @('plain.csv', 'run 1/scan.csv')
        $scan = $received | Where-Object RelativePath -eq 'run 1/scan.csv'
        $scan.Metadata['sample'] | Should -Be 'STO-17'
        $scan.Metadata['temperature_K'] | Should -Be '77'
        $scan.Metadata['calibrated'] | Should -Be 'true'
        ($received | Where-Object RelativePath -eq 'plain.csv').Metadata.Count | Should -Be 0
        (Get-MsiTopicFile $topic 6>$null).RelativePath | Should -Be @('plain.csv', 'run 1/scan.csv')
    }
}

Describe 'With KafkaCrypto' {
    BeforeAll {
        $rot = ConvertTo-SecureString 'root-of-trust-password' -AsPlainText -Force
        $prov = ConvertTo-SecureString 'provisioner' -AsPlainText -Force
        $script:crypto = Join-Path $work 'crypto'
        New-MsiCryptoNode -NodeId meta_producer -Role Producer -Topic samples -Path $crypto -RootOfTrustPassword $rot -ProvisionerPassword $prov | Out-Null
        $script:encrypted = Join-Path $crypto 'producer.config'
        Set-Content -LiteralPath $encrypted -Value "[broker]`nbootstrap.servers = $($broker.BootstrapServers)`nsecurity.protocol = PLAINTEXT`n[kafkacrypto]`nnode_id = meta_producer"
        New-Item -ItemType Directory -Force (Join-Path $crypto 'watched') | Out-Null
        Set-Content -LiteralPath (Join-Path $crypto 'watched/secret.csv') -Value 'x,y'
        $script:why = 'files would carry metadata, and KafkaCrypto does not encrypt Kafka headers, so the metadata would travel in clear beside the encrypted file. Put it in a file of its own (which is encrypted) instead.'
    }

    It 'Send-MsiDataFile -Metadata is refused with MetadataUnsupported before anything is sent' {
        $topic = 'samples.' + (New-TestTopic 'enc')
        { Send-MsiDataFile -LiteralPath (Join-Path $crypto 'watched/secret.csv') -Topic $topic -Config $encrypted -Metadata @{ sample = 'A7' } } |
            Should -Throw -ErrorId 'MetadataUnsupported,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand' -ExpectedMessage "-Metadata cannot be used here: $why"
        Get-MsiTopicFile $topic -ErrorAction SilentlyContinue 6>$null | Should -BeNullOrEmpty
    }

    It 'Start-MsiUploadDirectory -MetadataSidecar is refused with MetadataUnsupported' {
        { Start-MsiUploadDirectory -Path (Join-Path $crypto 'watched') -Topic 'samples.sidecar' -Config $encrypted -MetadataSidecar -UploadExisting -Duration 5 -StateDirectory (Join-Path $crypto 'state') } |
            Should -Throw -ErrorId 'MetadataUnsupported,OpenMsiStream.PowerShell.Commands.StartMsiUploadDirectoryCommand' -ExpectedMessage "Metadata sidecars (-MetadataSidecar, --metadata-sidecar) cannot be used here: $why"
    }
}
