from medallion_orchestrator.cli import main

raise SystemExit(main())
