complete --keep-order --exclusive --command coracle --arguments "(CORACLE_COMPLETE=fish coracle -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
