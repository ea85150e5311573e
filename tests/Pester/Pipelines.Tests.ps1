#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The cmdlets in pipelines with ordinary cmdlets, as users write them: Get-ChildItem -Recurse into
    Send-MsiDataFile, Where-Object into Export-Csv, ConvertTo-Json and the default view (Out-String) of
    every output type, -WhatIf, -ErrorAction and -ErrorVariable with exact error ids, and the
    long-running cmdlets in Start-ThreadJob, stopped with Stop-Job.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'Support/TestSupport.psm1') -Force
    Import-ModuleUnderTest | Out-Null
    $script:broker = Start-MsiLocalBroker -Partitions 4 -ConfigPath (Join-Path (New-TestDirectory 'broker') 'local.config')
    $script:s3 = Start-S3Server -Bucket lab-archive
    $script:work = New-TestDirectory 'pipelines'
    $script:config = New-TestConfig -Path (Join-Path $work 'lab.config') -BootstrapServers $broker.BootstrapServers -S3 $s3
    $env:OPENMSISTREAM_SERVICE_ROOT = New-TestDirectory 'service-root' # services go to a staged root, never this machine's systemd
    Use-OwnHome | Out-Null

    # One object of every output type, made by the cmdlets themselves (shared by the tests below).
    $script:tree = Join-Path $work 'export'
    New-TestFile (Join-Path $tree 'run 1/scan 0001.raw') 300000 1 | Out-Null
    New-TestFile (Join-Path $tree 'run 1/notes.csv') 120 2 | Out-Null
    New-TestFile (Join-Path $tree 'summary.csv') 64 3 | Out-Null
    $script:topic = New-TestTopic 'lab'
    $script:sent = Get-ChildItem -LiteralPath $tree -File -Recurse | Send-MsiDataFile -Topic $topic -RootDirectory $tree
    $script:received = Receive-MsiDataFile -Topic $topic -OutputDirectory (Join-Path $work 'copy') -Count 3 -IdleTimeout 60
    $script:inMemory = Receive-MsiDataFile -Topic $topic -Filter '\.csv$' -Count 2 -IdleTimeout 60
    $script:processed = Invoke-MsiStreamProcessor -Topic $topic -Count 3 -IdleTimeout 60 -ScriptBlock { param($File) [pscustomobject]@{ File = $File.RelativePath; Bytes = $File.Length } }
    $script:transferred = Start-MsiS3Transfer -Topic $topic -Bucket lab-archive -Config $config -Count 3 -IdleTimeout 60
    $script:watch = Join-Path $work 'watch'
    New-TestFile (Join-Path $watch 'frame 0001.tif') 5000 4 | Out-Null
    $script:uploaded = Start-MsiUploadDirectory -Path $watch -Topic ($topic + '-watch') -UploadExisting -SettleTime 1 -Duration 6 -ProgramId pester-upload -HeartbeatTopic ($topic + '-hb')
    $script:uploadState = Get-MsiUploadState -Path $watch
    $script:heartbeats = Receive-MsiHeartbeat -Topic ($topic + '-hb') -IdleTimeout 5
    $script:connection = Test-MsiConnection -Config $config -Topic $topic
    $script:localBroker = Get-MsiLocalBroker
    $rot = ConvertTo-SecureString 'root-of-trust-password' -AsPlainText -Force
    $prov = ConvertTo-SecureString 'provisioner' -AsPlainText -Force
    $script:node = New-MsiCryptoNode -NodeId pester_node -Role Producer -Topic lab -Path (Join-Path $work 'nodes') -RootOfTrustPassword $rot -ProvisionerPassword $prov
    $saved = Join-Path $work 'incoming/ENCRYPTED_MESSAGES'
    New-Item -ItemType Directory $saved -Force | Out-Null
    [IO.File]::WriteAllBytes((Join-Path $saved "encrypted_message_from_$($topic)-resent_received_on_Dec_07_2026_at_06_00_00_000000_key.bin"), [byte[]](1, 2, 3))
    [IO.File]::WriteAllBytes((Join-Path $saved "encrypted_message_from_$($topic)-resent_received_on_Dec_07_2026_at_06_00_00_000000_value.bin"), [byte[]](4, 5, 6))
    $script:resent = Send-MsiUndecryptableMessage -Path (Join-Path $work 'incoming') -Config $config
    Copy-Item -LiteralPath (Get-TestCli) -Destination (Join-Path $work 'openmsistream')
    $script:service = Register-MsiService pester-svc -Scope User -CliPath (Join-Path $work 'openmsistream') -ArgumentList 'upload-directory', $watch, '--topic', 'lab', '--config', $config

    $script:outputs = [ordered]@{
        SentFile         = @{ Object = $sent[0]; Columns = 'RelativePath', 'Length', 'Chunks', 'Topic', 'Partition', 'Sha512' }
        ReceivedFile     = @{ Object = $received[0]; Columns = 'RelativePath', 'Length', 'Chunks', 'Sha512', 'Location' }
        LocalBrokerInfo  = @{ Object = $localBroker; Columns = 'BootstrapServers', 'Partitions', 'Topics', 'ConfigPath' }
        ConnectionReport = @{ Object = $connection; Columns = 'Success', 'BootstrapServers', 'Brokers', 'Message' }
        UploadRecord     = @{ Object = $uploadState[0]; Columns = 'Status', 'RelativePath', 'Length', 'Chunks', 'Version', 'Topic', 'Note' }
        ProcessedFile    = @{ Object = $processed[0]; Columns = 'RelativePath', 'Status', 'Attempt', 'Seconds', 'Results', 'Error' }
        S3TransferResult = @{ Object = $transferred[0]; Columns = 'RelativePath', 'Status', 'Length', 'Parts', 'Uri', 'Error' }
        ServiceInfo      = @{ Object = $service; Columns = 'Name', 'Scope', 'State', 'LastHeartbeat', 'Files', 'Lag', 'LastError' }
        CryptoNodeInfo   = @{ Object = $node; Columns = 'NodeId', 'Role', 'Topics', 'Expires', 'Directory' }
        ResentMessage    = @{ Object = $resent; Columns = 'Topic', 'Partition', 'Offset', 'ValueFile' }
        Heartbeat        = @{ Object = $heartbeats[0]; Columns = 'ProgramId', 'Sent', 'Age', 'Read', 'Processed', 'Produced', 'BytesProduced', 'Lag' }
    }
}

AfterAll {
    Get-MsiService -Scope User -ErrorAction SilentlyContinue | Unregister-MsiService -ErrorAction SilentlyContinue
    Remove-Item Env:OPENMSISTREAM_SERVICE_ROOT -ErrorAction SilentlyContinue
    Stop-S3Server $s3
    Stop-MsiLocalBroker -ErrorAction SilentlyContinue
}

Describe 'Pipelines with ordinary cmdlets' {
    It 'Get-ChildItem -Recurse | Send-MsiDataFile -RootDirectory sends every file, and the copies are byte-identical' {
        $sent.RelativePath | Sort-Object | Should -Be @('run 1/notes.csv', 'run 1/scan 0001.raw', 'summary.csv')
        foreach ($file in $received) {
            Get-Sha512 $file.FullName | Should -Be (Get-Sha512 (Join-Path $tree $file.RelativePath))
        }
    }

    It 'Receive-MsiDataFile into memory | ForEach-Object reads the bytes; -Filter selected the CSV files' {
        $inMemory.RelativePath | Sort-Object | Should -Be @('run 1/notes.csv', 'summary.csv')
        $inMemory | ForEach-Object { $_.Bytes.Length } | Sort-Object | Should -Be @(64, 120)
    }

    It 'Send-MsiDataFile | Where-Object | Export-Csv writes the rows a user filtered' {
        $csv = Join-Path $work 'sent.csv'
        $sent | Where-Object Length -gt 100 | Select-Object RelativePath, Length, ChunkCount, Sha512 | Export-Csv -LiteralPath $csv
        $rows = Import-Csv -LiteralPath $csv
        $rows.RelativePath | Sort-Object | Should -Be @('run 1/notes.csv', 'run 1/scan 0001.raw')
        ($rows | Where-Object RelativePath -eq 'run 1/scan 0001.raw').Sha512 | Should -Be (Get-Sha512 (Join-Path $tree 'run 1/scan 0001.raw'))
    }

    It 'Invoke-MsiStreamProcessor | Where-Object Status | Export-Csv, and the script''s output objects ride along' {
        $csv = Join-Path $work 'processed.csv'
        $processed | Where-Object Status -eq 'Processed' | Export-Csv -LiteralPath $csv
        (Import-Csv -LiteralPath $csv).Count | Should -Be 3
        ($processed | ForEach-Object { $_.Output[0].Bytes } | Sort-Object) | Should -Be @(64, 120, 300000)
    }

    It 'Get-MsiService | Unregister-MsiService -WhatIf binds by property name and changes nothing' {
        Get-MsiService -Scope User -Name pester-svc | Unregister-MsiService -WhatIf
        (Get-MsiService -Scope User -Name pester-svc).Name | Should -Be 'pester-svc'
    }
}

Describe 'Every output type' {
    It '<_> has a default table view with its columns, and its row shows the object' -ForEach @(
        'SentFile', 'ReceivedFile', 'LocalBrokerInfo', 'ConnectionReport', 'UploadRecord', 'ProcessedFile', 'S3TransferResult', 'ServiceInfo', 'CryptoNodeInfo', 'ResentMessage', 'Heartbeat'
    ) {
        $output = $outputs[$_]
        $output.Object | Should -Not -BeNullOrEmpty -Because "a cmdlet produced a $_"
        $lines = @(($output.Object | Out-String -Width 250) -split "`n" | Where-Object { $_.Trim() })
        $lines[0].Trim() -split '\s+' | Should -Be $output.Columns
        $lines[1] | Should -Match '^-+( +-+)*\s*$'
        $lines.Count | Should -BeGreaterOrEqual 3
        # Fixed widths: the columns of the header stay where they are whatever the values are.
        $lines[1].TrimEnd().Length | Should -BeGreaterThan 20
    }

    It 'the views show the values that matter' {
        ($sent | Out-String -Width 250) | Should -Match "run 1/scan 0001\.raw\s+300000\s+1\s+$topic\s+\d+\s+$((Get-Sha512 (Join-Path $tree 'run 1/scan 0001.raw')).Substring(0, 16))…"
        ($received | Out-String -Width 250) | Should -Match ([regex]::Escape((Join-Path $work 'copy/run 1/notes.csv')))
        ($inMemory | Out-String -Width 250) | Should -Match '\(in memory\)'
        ($transferred | Out-String -Width 250) | Should -Match "s3://lab-archive/$topic/run 1/scan 0001\.raw"
        ($uploadState | Out-String -Width 250) | Should -Match 'Sent\s+frame 0001\.tif\s+5000\s+1/1\s+1'
        ($connection | Out-String -Width 250) | Should -Match "True\s+$([regex]::Escape($broker.BootstrapServers))"
        ($heartbeats | Out-String -Width 250) | Should -Match 'pester-upload\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+d \d\d:\d\d:\d\d'
        ($node | Out-String -Width 250) | Should -Match 'pester_node\s+Producer\s+lab\s+\d{4}-\d\d-\d\d'
    }

    It '<_> converts to JSON and back with its properties' -ForEach @(
        'SentFile', 'ReceivedFile', 'LocalBrokerInfo', 'ConnectionReport', 'UploadRecord', 'ProcessedFile', 'S3TransferResult', 'ServiceInfo', 'CryptoNodeInfo', 'ResentMessage', 'Heartbeat'
    ) {
        $object = $outputs[$_].Object
        $json = $object | ConvertTo-Json -Depth 4 -WarningAction Stop
        $back = $json | ConvertFrom-Json
        $names = $object.PSObject.Properties | Where-Object { $_.MemberType -eq 'Property' } | ForEach-Object Name
        foreach ($name in $names) {
            $back.PSObject.Properties.Name | Should -Contain $name
        }
    }

    It 'a ReceivedFile in memory carries its bytes into JSON' {
        $file = $inMemory | Where-Object RelativePath -eq 'summary.csv'
        $back = $file | ConvertTo-Json -Depth 2 | ConvertFrom-Json
        [byte[]] $back.Bytes | Should -Be ([IO.File]::ReadAllBytes((Join-Path $tree 'summary.csv')))
    }
}

Describe '-WhatIf, -ErrorAction and -ErrorVariable' {
    It '<Name> -WhatIf does nothing and says what it would do' -TestCases @(
        @{ Name = 'Send-MsiDataFile'; Call = { Send-MsiDataFile -Path (Join-Path $tree 'summary.csv') -Topic whatif -BootstrapServers 127.0.0.1:1 -WhatIf } }
        @{ Name = 'Receive-MsiDataFile'; Call = { Receive-MsiDataFile -Topic whatif -OutputDirectory (Join-Path $work 'whatif-out') -BootstrapServers 127.0.0.1:1 -WhatIf } }
        @{ Name = 'Start-MsiUploadDirectory'; Call = { Start-MsiUploadDirectory -Path $tree -Topic whatif -BootstrapServers 127.0.0.1:1 -WhatIf } }
        @{ Name = 'Invoke-MsiStreamProcessor'; Call = { Invoke-MsiStreamProcessor -Topic whatif -BootstrapServers 127.0.0.1:1 -OutputDirectory (Join-Path $work 'whatif-out') -Mode Disk -ScriptBlock { } -WhatIf } }
        @{ Name = 'Start-MsiS3Transfer'; Call = { Start-MsiS3Transfer -Topic whatif -Bucket lab-archive -BootstrapServers 127.0.0.1:1 -WhatIf } }
        @{ Name = 'New-MsiCryptoNode'; Call = { New-MsiCryptoNode -NodeId whatif -Role Consumer -Topic lab -Path (Join-Path $work 'whatif-out') -RootOfTrustPassword (ConvertTo-SecureString 'root-of-trust-password' -AsPlainText -Force) -ProvisionerPassword (ConvertTo-SecureString 'provisioner' -AsPlainText -Force) -WhatIf } }
        @{ Name = 'Send-MsiUndecryptableMessage'; Call = { Send-MsiUndecryptableMessage -Path (Join-Path $work 'incoming') -BootstrapServers 127.0.0.1:1 -WhatIf } }
        @{ Name = 'Register-MsiService'; Call = { Register-MsiService whatif-svc -Scope User -CliPath (Join-Path $work 'openmsistream') -ArgumentList 'upload-directory', $tree, '--topic', 'lab', '--config', $config -WhatIf } }
        @{ Name = 'Unregister-MsiService'; Call = { Unregister-MsiService pester-svc -Scope User -WhatIf } }
    ) {
        $output = & $Call 6>&1 2>&1
        $output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Should -BeNullOrEmpty
        $output | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] } | Should -BeNullOrEmpty
        Join-Path $work 'whatif-out' | Should -Not -Exist
        (Get-MsiService -Scope User).Name | Should -Be @('pester-svc')
    }

    It '-ErrorVariable collects each missing file with its id while the others are sent' {
        $sentNow = Send-MsiDataFile -LiteralPath (Join-Path $tree 'missing-1.csv'), (Join-Path $tree 'summary.csv'), (Join-Path $tree 'missing-2.csv') -Topic ($topic + '-errors') -ErrorVariable problems -ErrorAction SilentlyContinue
        $sentNow.RelativePath | Should -Be 'summary.csv'
        $problems.FullyQualifiedErrorId | Should -Be @('FileNotFound,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand', 'FileNotFound,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand')
        $problems.TargetObject | Should -Be @((Join-Path $tree 'missing-1.csv'), (Join-Path $tree 'missing-2.csv'))
    }

    It '-ErrorAction Stop turns a per-file error into a terminating one with the same id' {
        { Send-MsiDataFile -LiteralPath (Join-Path $tree 'missing.csv') -Topic x -ErrorAction Stop } | Should -Throw -ErrorId 'FileNotFound,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand'
    }

    It 'terminating errors carry their ids: <Id>' -TestCases @(
        @{ Id = 'BrokerUnreachable,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand'; Call = { Send-MsiDataFile -Path (Join-Path $tree 'summary.csv') -Topic x -BootstrapServers 127.0.0.1:1 } }
        @{ Id = 'ConfigFileNotFound,OpenMsiStream.PowerShell.Commands.ReceiveMsiDataFileCommand'; Call = { Receive-MsiDataFile -Topic x -Config (Join-Path $work 'none.config') -IdleTimeout 1 } }
        @{ Id = 'InvalidChunkSize,OpenMsiStream.PowerShell.Commands.SendMsiDataFileCommand'; Call = { Send-MsiDataFile -Path (Join-Path $tree 'summary.csv') -Topic x -ChunkSize 1000 } }
        @{ Id = 'InvalidTopicName,OpenMsiStream.PowerShell.Commands.ReceiveMsiDataFileCommand'; Call = { Receive-MsiDataFile -Topic 'bad topic' -IdleTimeout 1 } }
        @{ Id = 'S3BucketNotFound,OpenMsiStream.PowerShell.Commands.StartMsiS3TransferCommand'; Call = { Start-MsiS3Transfer -Topic x -Bucket no-such-bucket -Config $config -IdleTimeout 1 } }
        # A config file without [s3], no endpoint, no region: said plainly (it was an Unexpected AmazonClientException).
        @{ Id = 'InvalidArgument,OpenMsiStream.PowerShell.Commands.StartMsiS3TransferCommand'; Call = { Start-MsiS3Transfer -Topic x -Bucket lab-archive -BootstrapServers $broker.BootstrapServers -IdleTimeout 1 } }
    ) {
        $Call | Should -Throw -ErrorId $Id
    }
}

Describe 'The long-running cmdlets in Start-ThreadJob' {
    It '<Name> runs in a thread job, its objects come back with Receive-Job, and Stop-Job stops it' -TestCases @(
        @{ Name = 'Receive-MsiDataFile'; Script = { param($Module, $Topic, $Config, $Work) Import-Module $Module; Receive-MsiDataFile -Topic $Topic -Config $Config -OutputDirectory (Join-Path $Work 'job-copy') } }
        @{ Name = 'Invoke-MsiStreamProcessor'; Script = { param($Module, $Topic, $Config, $Work) Import-Module $Module; Invoke-MsiStreamProcessor -Topic $Topic -Config $Config -GroupId job-processor -StateDirectory (Join-Path $Work 'job-state') -ScriptBlock { param($File) $File.Length } } }
        @{ Name = 'Start-MsiS3Transfer'; Script = { param($Module, $Topic, $Config, $Work) Import-Module $Module; Start-MsiS3Transfer -Topic $Topic -Bucket lab-archive -Config $Config -GroupId job-s3 -StateDirectory (Join-Path $Work 'job-s3') } }
        @{ Name = 'Receive-MsiHeartbeat'; Script = { param($Module, $Topic, $Config, $Work) Import-Module $Module; Receive-MsiHeartbeat -Topic ($Topic + '-hb') -Config $Config } }
        @{ Name = 'Start-MsiUploadDirectory'; Script = { param($Module, $Topic, $Config, $Work) Import-Module $Module; Start-MsiUploadDirectory -Path (Join-Path $Work 'watch') -Topic ($Topic + '-job') -Config $Config -UploadExisting -SettleTime 1 -StateDirectory (Join-Path $Work 'job-upload') } }
    ) {
        $job = Start-ThreadJob -ScriptBlock $Script -ArgumentList (Get-ModuleUnderTest), $topic, $config, $work
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(90)
            $results = @()
            while ($results.Count -eq 0 -and [datetime]::UtcNow -lt $deadline -and $job.State -in 'NotStarted', 'Running') {
                Start-Sleep -Milliseconds 200
                $results += @(Receive-Job $job)
            }
            $results.Count | Should -BeGreaterThan 0 -Because "$Name sends its objects back through the job (state $($job.State), errors: $($job.Error))"
            $job.State | Should -Be 'Running' -Because 'it runs until stopped'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Stop-Job $job
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            $job.State | Should -Be 'Stopped'
        }
        finally {
            $job | Remove-Job -Force
        }
    }
}

Describe 'Metrics of a long-running cmdlet' {
    It 'Start-MsiUploadDirectory -MetricsPort in a thread job serves counts that a scrape sees rise to the exact numbers' {
        $watched = New-TestDirectory 'metrics-watch'
        $metricsTopic = New-TestTopic 'metrics'
        $job = Start-ThreadJob -ScriptBlock {
            param($Module, $Topic, $Config, $Path, $State)
            Import-Module $Module
            Start-MsiUploadDirectory -Path $Path -Topic $Topic -Config $Config -SettleTime 0.5 -ChunkSize 65536 -StateDirectory $State -ProgramId pester-metrics -MetricsPort 0
        } -ArgumentList (Get-ModuleUnderTest), $metricsTopic, $config, $watched, (New-TestDirectory 'metrics-state')
        try {
            # Port 0: the system picked one; the program wrote where in its status file.
            $statusFile = Join-Path $env:OPENMSISTREAM_HOME 'status/pester-metrics.json'
            $deadline = [datetime]::UtcNow.AddSeconds(90)
            while (-not ((Test-Path $statusFile) -and (Get-Content -Raw $statusFile | ConvertFrom-Json).metricsUrl) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            $url = (Get-Content -Raw $statusFile | ConvertFrom-Json).metricsUrl
            $url | Should -Match '^http://127\.0\.0\.1:\d+/metrics$'
            function Get-Sample([string] $Name) {
                $text = (Invoke-WebRequest -Uri $url -UseBasicParsing).Content
                $line = $text -split "`n" | Where-Object { $_ -like "openmsistream_$Name{program_id=`"pester-metrics`"} *" }
                if ($line) { [double]($line -split ' ')[-1] } else { $null }
            }
            function Wait-Sample([string] $Name, [double] $Value) {
                $until = [datetime]::UtcNow.AddSeconds(90)
                while ((Get-Sample $Name) -ne $Value -and [datetime]::UtcNow -lt $until -and $job.State -eq 'Running') { Start-Sleep -Milliseconds 200 }
                Get-Sample $Name | Should -Be $Value -Because "the scrape shows $Name (job state $($job.State), errors: $($job.Error))"
            }
            Get-Sample 'files_sent_total' | Should -Be 0
            New-TestFile (Join-Path $watched 'a.raw') 100000 1 | Out-Null   # 2 chunks of 64 KiB
            New-TestFile (Join-Path $watched 'b.csv') 500 2 | Out-Null      # 1 chunk
            Wait-Sample 'files_sent_total' 2
            Get-Sample 'chunks_sent_total' | Should -Be 3
            Get-Sample 'bytes_sent_total' | Should -Be 100500
            New-TestFile (Join-Path $watched 'c.raw') 70000 3 | Out-Null    # 2 chunks, while it runs
            Wait-Sample 'files_sent_total' 3
            Get-Sample 'chunks_sent_total' | Should -Be 5
            Get-Sample 'bytes_sent_total' | Should -Be 170500
            Get-Sample 'producer_queue_depth' | Should -Be 0
            (Get-Sample 'last_delivery_timestamp_seconds') | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(-5).ToUnixTimeSeconds())
            $job.State | Should -Be 'Running'
        }
        finally {
            Stop-Job $job
            $job | Remove-Job -Force
        }
    }
}
