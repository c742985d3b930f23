from synth.generate import main

raise SystemExit(main())
