# Installs the libraries, their headers and a CMake package with components:
#   find_package(WsKit COMPONENTS Core Qt Qml HttpServer)
# Each component finds only its own dependencies.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(WSKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/WsKit)
set(WSKIT_INSTALLED_COMPONENTS Core)

install(TARGETS wskit_core EXPORT WsKitCoreTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/WsKit/Core DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/WsKit)
install(FILES ${PROJECT_BINARY_DIR}/include/WsKit/Core/wskitcore_export.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/WsKit/Core)
install(EXPORT WsKitCoreTargets NAMESPACE WsKit:: DESTINATION ${WSKIT_CMAKE_DIR})

if(TARGET wskit)
    list(APPEND WSKIT_INSTALLED_COMPONENTS Qt)
    install(TARGETS wskit EXPORT WsKitQtTargets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
            LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
            RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/WsKit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
            FILES_MATCHING PATTERN "*.h" PATTERN "Core" EXCLUDE PATTERN "HttpServer" EXCLUDE)
    install(FILES ${PROJECT_BINARY_DIR}/include/WsKit/wskit_export.h
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/WsKit)
    install(EXPORT WsKitQtTargets NAMESPACE WsKit:: DESTINATION ${WSKIT_CMAKE_DIR})
endif()

# The QML module goes where Qt keeps its own (lib/<arch>/qt6/qml on Debian), so that
# with the prefix /usr applications find it with no import path of their own.
set(WSKIT_INSTALL_QMLDIR ${CMAKE_INSTALL_LIBDIR}/qt6/qml CACHE STRING
    "Directory (relative to the prefix) that receives the QML module WsKit/")
if(TARGET wskit_qml)
    list(APPEND WSKIT_INSTALLED_COMPONENTS Qml)
    # A WsKit built shared is found next to the plugin's directory.
    file(RELATIVE_PATH wskit_qml_to_libdir /${WSKIT_INSTALL_QMLDIR}/WsKit /${CMAKE_INSTALL_LIBDIR})
    set_target_properties(wskit_qml PROPERTIES EXPORT_NAME QmlPlugin INSTALL_RPATH "$ORIGIN/${wskit_qml_to_libdir}")
    install(TARGETS wskit_qml EXPORT WsKitQmlTargets LIBRARY DESTINATION ${WSKIT_INSTALL_QMLDIR}/WsKit)
    install(FILES ${WSKIT_QML_BUILD_DIR}/WsKit/qmldir ${WSKIT_QML_BUILD_DIR}/WsKit/plugins.qmltypes
            DESTINATION ${WSKIT_INSTALL_QMLDIR}/WsKit)
    install(EXPORT WsKitQmlTargets NAMESPACE WsKit:: DESTINATION ${WSKIT_CMAKE_DIR})
endif()

if(TARGET wskit_httpserver)
    list(APPEND WSKIT_INSTALLED_COMPONENTS HttpServer)
    install(TARGETS wskit_httpserver EXPORT WsKitHttpServerTargets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
            LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
            RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/WsKit/HttpServer DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/WsKit)
    install(FILES ${PROJECT_BINARY_DIR}/include/WsKit/HttpServer/wskithttpserver_export.h
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/WsKit/HttpServer)
    install(EXPORT WsKitHttpServerTargets NAMESPACE WsKit:: DESTINATION ${WSKIT_CMAKE_DIR})
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/WsKitConfig.cmake.in
    ${PROJECT_BINARY_DIR}/WsKitConfig.cmake
    INSTALL_DESTINATION ${WSKIT_CMAKE_DIR}
    PATH_VARS WSKIT_INSTALL_QMLDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/WsKitConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/WsKitConfig.cmake ${PROJECT_BINARY_DIR}/WsKitConfigVersion.cmake
        DESTINATION ${WSKIT_CMAKE_DIR})
