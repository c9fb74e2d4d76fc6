from valuegap_tui.cli import main

raise SystemExit(main())
